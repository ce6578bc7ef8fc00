/**
 * AWS's end of the tunnels: one customer gateway per Azure gateway instance, and one
 * VPN connection on the Transit Gateway per customer gateway, each with two tunnels
 * whose inside CIDRs come from the APIPA plan and whose keys are generated here.
 */
import {
  CreateCustomerGatewayCommand,
  CreateTagsCommand,
  CreateVpnConnectionCommand,
  DeleteCustomerGatewayCommand,
  DeleteVpnConnectionCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  ModifyVpnTunnelOptionsCommand,
  type CustomerGateway,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackboneParams, MeshScope } from '../../domain/backbone-graph.ts';
import { claimCustomerGateway, lostIdentityTags, type GatewayIdentity } from '../../domain/customer-gateway-owner.ts';
import { customerGatewayDrift, customerGatewayParameters } from '../../domain/customer-gateway-parameters.ts';
import { keyFingerprints, vpnConnectionDrift, vpnConnectionParameters, vpnTunnelRepairs } from '../../domain/vpn-connection-parameters.ts';
import type { Outputs, ResourceNode } from '../../domain/resource-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { isNotFound } from '../cloud-errors.ts';
import { GatheredListing } from '../gathered-listing.ts';
import { dependency, ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { generatePreSharedKey } from './pre-shared-key.ts';
import { identityFilters, isNode, MESH_TAG, meshFilters, NODE_TAG, tagSpecifications } from './tags.ts';

/** How long a VPN connection's describe waits for the others of its mesh (activities/gathered-listing.ts). */
const GATHER_MS = 100;
/** How often a tunnel modification in progress is looked at (AWS takes minutes per tunnel). */
const MODIFYING_POLL_MS = 2000;
const MAX_MODIFICATIONS = 3;

export function customerGatewayHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.customerGateway'], CustomerGateway> {
  return {
    async describe(node, recorded) {
      const { id, params } = node;
      const ec2 = clients.ec2(params.scope.aws.region);
      const { CustomerGateways = [] } = await ec2.send(new DescribeCustomerGatewaysCommand({ Filters: identityFilters(params.scope, id) }));
      const tagged = CustomerGateways.find((cgw) => cgw.State !== 'deleted');
      // The recorded gateway listed under our tags (deleted, as a delete's confirming read finds it) still has them: asked by its ID, EC2 would answer the same.
      if (tagged || !recorded?.cloudId || CustomerGateways.some((cgw) => cgw.CustomerGatewayId === recorded.cloudId)) return tagged;
      // Its tags may have been removed by hand: the gateway the mesh recorded is still ours if nothing names another owner.
      try {
        const { CustomerGateways: byId = [] } = await ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [recorded.cloudId] }));
        return byId.find((cgw) => cgw.State !== 'deleted' && claimCustomerGateway(cgw, gatewayIdentity(node), recorded.cloudId).ours);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    // EC2 may answer with a gateway that already existed, someone else's: the engine judges the answer's owner before anything else.
    async create({ id, params }, outputs) {
      const { CustomerGateway } = await clients.ec2(params.scope.aws.region).send(
        new CreateCustomerGatewayCommand({
          ...customerGatewayParameters(params, publicIp(outputs, params)),
          TagSpecifications: tagSpecifications('customer-gateway', params.scope, id, params.name),
        }),
      );
      return CustomerGateway;
    },
    ownership: (cgw, node, recorded) => {
      const claim = claimCustomerGateway(cgw, gatewayIdentity(node), recorded?.cloudId);
      return claim.ours ? { is: 'ours' } : { is: 'foreign', reason: claim.reason };
    },
    lostIdentity: (cgw, node) => lostIdentityTags(cgw, gatewayIdentity(node)),
    async restoreIdentity(cgw, { id, params }) {
      const tags = tagSpecifications('customer-gateway', params.scope, id, params.name)[0]!.Tags!.filter((t) => t.Key !== 'Name');
      await clients.ec2(params.scope.aws.region).send(new CreateTagsCommand({ Resources: [cgw.CustomerGatewayId!], Tags: tags }));
    },
    phase: (cgw) => statePhase(cgw.State),
    drift: async (cgw, { params }, outputs) => customerGatewayDrift(customerGatewayParameters(params, publicIp(outputs, params)), cgw),
    output: (cgw) => ({ cloudId: cgw.CustomerGatewayId ?? '', state: cgw.State ?? 'unknown', attributes: { ipAddress: cgw.IpAddress ?? '' } }),
    async delete(cgw, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: cgw.CustomerGatewayId }));
    },
    // AWS has no ModifyCustomerGateway, and a create finds the drifted one by our tags.
    replacedWhenDrifted: true,
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

export function vpnConnectionHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.vpnConnection'], VpnConnection> {
  // A mesh's VPN connections are made and polled together: their describes share one listing by the mesh's tag.
  const meshConnections = new GatheredListing(
    async (scope: MeshScope) => {
      const { VpnConnections = [] } = await clients.ec2(scope.aws.region).send(new DescribeVpnConnectionsCommand({ Filters: meshFilters(scope) }));
      return VpnConnections;
    },
    (scope) => `${scope.aws.region}/${scope.mesh}`,
    GATHER_MS,
  );
  return {
    // Found by its identity tags, the mesh's (the listing's filter) and the node's.
    async describe({ id, params }) {
      const listed = await meshConnections.get(params.scope);
      return listed.find((vpn) => vpn.State !== 'deleted' && isNode(vpn.Tags, id));
    },
    // EC2 answers the connection it made (pending, with its tunnels): the engine takes it for its first describe.
    async create({ id, params }, outputs) {
      const desired = desiredVpnConnection(outputs, params);
      const { VpnConnection } = await clients.ec2(params.scope.aws.region).send(
        new CreateVpnConnectionCommand({
          ...desired,
          Options: { ...desired.Options, TunnelOptions: desired.Options.TunnelOptions.map((t) => ({ ...t, PreSharedKey: generatePreSharedKey() })) },
          TagSpecifications: tagSpecifications('vpn-connection', params.scope, id, params.name),
        }),
      );
      return VpnConnection;
    },
    phase: (vpn, { params }) => {
      const actual = (vpn.Options?.TunnelOptions ?? []).map((t) => t.TunnelInsideCidr).sort();
      const planned = params.tunnels.map((t) => t.insideCidr).sort();
      // A create never changes a tunnel's inside CIDR; an update does (ModifyVpnTunnelOptions), and the engine updates whatever phase this says.
      if (actual.length > 0 && actual.join() !== planned.join()) {
        return { is: 'failed', reason: `existing VPN connection uses inside CIDRs ${actual.join(', ')}, the plan says ${planned.join(', ')}` };
      }
      return statePhase(vpn.State);
    },
    /**
     * Gives each tunnel the planned inside CIDR (new `backbone.tunnelInsideCidrs` on a live mesh)
     * and puts its IPsec policy back to the pinned one (a drift repair), one ModifyVpnTunnelOptions
     * per tunnel that differs, one tunnel at a time: AWS answers `modifying` until the tunnel is
     * renegotiated and refuses a second modification meanwhile. Safe to repeat: each attempt reads
     * the tunnels again and sends only what still differs. A key is never sent: its new fingerprint
     * is recorded by the engine's read after this, under the tunnel's new inside CIDR.
     */
    async update(vpn, { params }, _previous, outputs, signal) {
      const ec2 = clients.ec2(params.scope.aws.region);
      const desired = desiredVpnConnection(outputs, params);
      const sent = new Map<string, number>();
      for (let current: VpnConnection | undefined = vpn; current; ) {
        const [next] = vpnTunnelRepairs(desired, current);
        if (!next) return;
        if (current.State === 'available') {
          const times = (sent.get(next.insideCidr) ?? 0) + 1;
          // A cloud that answers the modification and keeps the old options would be asked for ever.
          if (times > MAX_MODIFICATIONS) throw new Error(`tunnel ${next.insideCidr} of ${vpn.VpnConnectionId} keeps its options after ${MAX_MODIFICATIONS} modifications`);
          sent.set(next.insideCidr, times);
          await ec2.send(new ModifyVpnTunnelOptionsCommand({ VpnConnectionId: current.VpnConnectionId, VpnTunnelOutsideIpAddress: next.outsideIp, TunnelOptions: next.options }));
        } else {
          await sleep(MODIFYING_POLL_MS, undefined, { signal });
        }
        const { VpnConnections = [] } = await ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpn.VpnConnectionId!] }));
        current = VpnConnections.find((v) => v.State !== 'deleted' && v.State !== 'deleting');
      }
    },
    // The keys as they were when it was last made: a key changed since is drift, shown by fingerprint.
    drift: async (vpn, { params }, outputs, recorded) => vpnConnectionDrift(desiredVpnConnection(outputs, params), vpn, recorded?.attributes ?? {}),
    output: (vpn) => ({
      cloudId: vpn.VpnConnectionId ?? '',
      state: vpn.State ?? 'unknown',
      // Outside IPs keyed by inside CIDR: how Azure pairs with the right tunnel. Keys only as fingerprints, for the drift check.
      attributes: {
        ...Object.fromEntries((vpn.Options?.TunnelOptions ?? []).map((t) => [t.TunnelInsideCidr ?? '', t.OutsideIpAddress ?? ''])),
        ...keyFingerprints(vpn),
      },
    }),
    async delete(vpn, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId }));
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

function gatewayIdentity({ id, params }: ResourceNode<string, BackboneParams['aws.customerGateway']>): GatewayIdentity {
  return { meshTag: MESH_TAG, mesh: params.scope.mesh, nodeTag: NODE_TAG, node: id };
}

function publicIp(outputs: Outputs, params: BackboneParams['aws.customerGateway']): string {
  return dependency(outputs, params.publicIpNode).attributes?.ipAddress ?? '';
}

function desiredVpnConnection(outputs: Outputs, params: BackboneParams['aws.vpnConnection']) {
  return vpnConnectionParameters(params, dependency(outputs, params.customerGatewayNode).cloudId, dependency(outputs, params.transitGatewayNode).cloudId);
}

function statePhase(state: string | undefined): Phase {
  if (state === 'available') return ready();
  if (state === 'deleting') return { is: 'deleting' };
  return { is: 'busy', detail: state ?? 'unknown' };
}
