/**
 * AWS's end of the tunnels: one customer gateway per Azure gateway instance, and one
 * VPN connection on the Transit Gateway per customer gateway, each with two tunnels
 * whose inside CIDRs come from the APIPA plan and whose keys are generated here.
 */
import {
  CreateCustomerGatewayCommand,
  CreateVpnConnectionCommand,
  DeleteCustomerGatewayCommand,
  DeleteVpnConnectionCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  type CustomerGateway,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import { IPSEC_POLICY } from '../../domain/ipsec-policy.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency, ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { generatePreSharedKey } from './pre-shared-key.ts';
import { identityFilters, tagSpecifications } from './tags.ts';

/** Above this, AWS takes the ASN in BgpAsnExtended instead of BgpAsn. */
const MAX_BGP_ASN = 2147483647;

export function customerGatewayHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.customerGateway'], CustomerGateway> {
  return {
    async describe({ id, params }) {
      const { CustomerGateways = [] } = await clients.ec2(params.scope.aws.region).send(
        new DescribeCustomerGatewaysCommand({ Filters: identityFilters(params.scope, id) }),
      );
      return CustomerGateways.find((cgw) => cgw.State !== 'deleted');
    },
    async create({ id, params }, outputs) {
      const ip = dependency(outputs, params.publicIpNode).attributes?.ipAddress;
      await clients.ec2(params.scope.aws.region).send(
        new CreateCustomerGatewayCommand({
          Type: 'ipsec.1',
          IpAddress: ip,
          ...(params.bgpAsn > MAX_BGP_ASN ? { BgpAsnExtended: params.bgpAsn } : { BgpAsn: params.bgpAsn }),
          DeviceName: params.name,
          TagSpecifications: tagSpecifications('customer-gateway', params.scope, id, params.name),
        }),
      );
    },
    phase: (cgw) => statePhase(cgw.State),
    output: (cgw) => ({ cloudId: cgw.CustomerGatewayId ?? '', state: cgw.State ?? 'unknown', attributes: { ipAddress: cgw.IpAddress ?? '' } }),
    async delete(cgw, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: cgw.CustomerGatewayId }));
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

export function vpnConnectionHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.vpnConnection'], VpnConnection> {
  return {
    async describe({ id, params }) {
      const { VpnConnections = [] } = await clients.ec2(params.scope.aws.region).send(
        new DescribeVpnConnectionsCommand({ Filters: identityFilters(params.scope, id) }),
      );
      return VpnConnections.find((vpn) => vpn.State !== 'deleted');
    },
    async create({ id, params }, outputs) {
      await clients.ec2(params.scope.aws.region).send(
        new CreateVpnConnectionCommand({
          Type: 'ipsec.1',
          CustomerGatewayId: dependency(outputs, params.customerGatewayNode).cloudId,
          TransitGatewayId: dependency(outputs, params.transitGatewayNode).cloudId,
          Options: {
            StaticRoutesOnly: false,
            TunnelInsideIpVersion: 'ipv4',
            TunnelOptions: params.tunnels.map((t) => ({ ...IPSEC_POLICY.aws, TunnelInsideCidr: t.insideCidr, PreSharedKey: generatePreSharedKey() })),
          },
          TagSpecifications: tagSpecifications('vpn-connection', params.scope, id, params.name),
        }),
      );
    },
    phase: (vpn, { params }) => {
      const actual = (vpn.Options?.TunnelOptions ?? []).map((t) => t.TunnelInsideCidr).sort();
      const planned = params.tunnels.map((t) => t.insideCidr).sort();
      // Changing tunnel options replaces AWS's endpoints; refuse to do it silently.
      if (actual.length > 0 && actual.join() !== planned.join()) {
        return { is: 'failed', reason: `existing VPN connection uses inside CIDRs ${actual.join(', ')}, the plan says ${planned.join(', ')}` };
      }
      return statePhase(vpn.State);
    },
    output: (vpn) => ({
      cloudId: vpn.VpnConnectionId ?? '',
      state: vpn.State ?? 'unknown',
      // Outside IPs keyed by inside CIDR: how Azure pairs with the right tunnel. No keys here.
      attributes: Object.fromEntries((vpn.Options?.TunnelOptions ?? []).map((t) => [t.TunnelInsideCidr ?? '', t.OutsideIpAddress ?? ''])),
    }),
    async delete(vpn, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId }));
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

/** Reads one tunnel's pre-shared key from AWS, for the Azure connection of that tunnel only. */
export async function tunnelPreSharedKey(clients: CloudClients, region: string, vpnConnectionId: string, insideCidr: string): Promise<string> {
  const { VpnConnections = [] } = await clients.ec2(region).send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpnConnectionId] }));
  const tunnel = VpnConnections[0]?.Options?.TunnelOptions?.find((t) => t.TunnelInsideCidr === insideCidr);
  if (!tunnel?.PreSharedKey) throw new Error(`VPN connection ${vpnConnectionId} reports no pre-shared key for tunnel ${insideCidr}`);
  return tunnel.PreSharedKey;
}

function statePhase(state: string | undefined): Phase {
  if (state === 'available') return ready();
  if (state === 'deleting') return { is: 'deleting' };
  return { is: 'busy', detail: state ?? 'unknown' };
}
