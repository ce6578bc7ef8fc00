/** Reads every tunnel's BGP state from both clouds: AWS VgwTelemetry and the Azure gateway's BGP peers. */
import { DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import type { TunnelPlan } from '../domain/apipa-plan.ts';
import type { MeshScope } from '../domain/backbone-graph.ts';
import type { TunnelStatus } from '../domain/tunnel-status.ts';
import { MESH_TAG } from './aws/tags.ts';
import type { AwaitOperation } from './azure/lro.ts';
import type { CloudClients } from './cloud-clients.ts';
import { toFailure } from './cloud-errors.ts';

export interface ObserveTunnelsInput {
  scope: MeshScope;
  gatewayName: string;
  tunnels: TunnelPlan[];
}

export async function observeTunnels(clients: CloudClients, lro: AwaitOperation, input: ObserveTunnelsInput): Promise<TunnelStatus[]> {
  try {
    const [aws, azure] = await Promise.all([awsTunnels(clients, input.scope), azurePeers(clients, lro, input)]);
    return input.tunnels.map((plan) => {
      const a = aws.get(plan.insideCidr);
      const z = azure.get(plan.awsBgpAddress);
      const status: TunnelStatus = {
        index: plan.index,
        insideCidr: plan.insideCidr,
        aws: { outsideIp: a?.outsideIp ?? '', status: a?.status ?? 'MISSING', message: a?.message ?? 'no such tunnel', acceptedRoutes: a?.acceptedRoutes ?? 0 },
        azure: { neighbor: plan.awsBgpAddress, state: z?.state ?? 'Missing', routesReceived: z?.routesReceived ?? 0 },
        established: false,
      };
      status.established = status.aws.status === 'UP' && status.aws.acceptedRoutes > 0 && status.azure.state === 'Connected' && status.azure.routesReceived > 0;
      return status;
    });
  } catch (error) {
    throw toFailure(error, 'observe tunnels');
  }
}

async function awsTunnels(clients: CloudClients, scope: MeshScope) {
  const { VpnConnections = [] } = await clients.ec2(scope.aws.region).send(
    new DescribeVpnConnectionsCommand({ Filters: [{ Name: `tag:${MESH_TAG}`, Values: [scope.mesh] }] }),
  );
  const byCidr = new Map<string, { outsideIp: string; status: string; message: string; acceptedRoutes: number }>();
  for (const vpn of VpnConnections.filter((v) => v.State !== 'deleted')) {
    for (const tunnel of vpn.Options?.TunnelOptions ?? []) {
      const telemetry = vpn.VgwTelemetry?.find((t) => t.OutsideIpAddress === tunnel.OutsideIpAddress);
      byCidr.set(tunnel.TunnelInsideCidr ?? '', {
        outsideIp: tunnel.OutsideIpAddress ?? '',
        status: telemetry?.Status ?? 'UNKNOWN',
        message: telemetry?.StatusMessage ?? '',
        acceptedRoutes: telemetry?.AcceptedRouteCount ?? 0,
      });
    }
  }
  return byCidr;
}

async function azurePeers(clients: CloudClients, lro: AwaitOperation, input: ObserveTunnelsInput) {
  const { scope } = input;
  const result = await lro(() => clients.network(scope.azure.subscriptionId).virtualNetworkGateways.beginGetBgpPeerStatus(scope.azure.resourceGroup, input.gatewayName));
  // Each neighbour is listed once per gateway instance; only the terminating one can be Connected.
  const peers = new Map<string, { state: string; routesReceived: number }>();
  for (const peer of result?.value ?? []) {
    const known = peers.get(peer.neighbor ?? '');
    if (known?.state === 'Connected') continue;
    peers.set(peer.neighbor ?? '', { state: peer.state ?? 'Unknown', routesReceived: peer.routesReceived ?? 0 });
  }
  return peers;
}
