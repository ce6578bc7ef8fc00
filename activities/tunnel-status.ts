/**
 * Reads every tunnel's BGP state from both clouds: AWS VgwTelemetry and the Azure gateway's BGP peers.
 *
 * With `wait`, one call waits (up to `wait.forMs`) for every tunnel to be established, polling
 * around BGP's expected convergence after the tunnels were made (domain/poll-schedule.ts), as
 * the engine polls an operation, instead of the workflow sleeping on timers between single
 * observations: a workflow timer can fire most of a second late, which on the proving ground
 * is most of a minute of cloud time. Between the first and the last observation of a call,
 * AWS is read alone while it shows a tunnel down (which no Azure answer could make
 * established): Azure's BGP peer status is a long-running operation of its own.
 */
import { DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import { Context } from '@temporalio/activity';
import type { TunnelPlan } from '../domain/apipa-plan.ts';
import type { MeshScope } from '../domain/backbone-graph.ts';
import { BGP_CONVERGENCE_SECONDS } from '../domain/cloud-latency.ts';
import { nextPollDelay } from '../domain/poll-schedule.ts';
import type { TunnelStatus } from '../domain/tunnel-status.ts';
import { MESH_TAG } from './aws/tags.ts';
import type { AwaitOperation } from './azure/lro.ts';
import type { CloudClients } from './cloud-clients.ts';
import { toFailure } from './cloud-errors.ts';
import { FAR_CEILINGS, type PollSettings } from './poll-backoff.ts';

export interface ObserveTunnelsInput {
  scope: MeshScope;
  gatewayName: string;
  tunnels: TunnelPlan[];
  /** Wait for BGP inside this call: the tunnels exist since `sinceMs` (epoch ms); answer within `forMs` whatever is seen. */
  wait?: { sinceMs: number; forMs: number };
}

type AwsTunnels = Awaited<ReturnType<typeof awsTunnels>>;

export async function observeTunnels(clients: CloudClients, lro: AwaitOperation, input: ObserveTunnelsInput, poll: PollSettings): Promise<TunnelStatus[]> {
  if (!input.wait) return observe(clients, lro, input);
  const { sinceMs, forMs } = input.wait;
  const answerBy = Date.now() + forMs;
  const expectedMs = poll.cloudTimeScale === undefined ? 0 : (BGP_CONVERGENCE_SECONDS * 1000) / poll.cloudTimeScale;
  const schedule = { ...poll, farMs: FAR_CEILINGS * poll.maxMs };
  const ctx = Context.current();
  for (let first = true; ; first = false) {
    // The last observation, at `answerBy`, is whole whatever AWS shows: it is what the workflow records.
    const last = Date.now() >= answerBy;
    const aws = first || last ? undefined : await awsOnly(clients, input.scope);
    if (aws === undefined || allUp(aws, input.tunnels)) {
      const tunnels = await observe(clients, lro, input, aws);
      if (last || tunnels.every((t) => t.established)) return tunnels;
    }
    ctx.heartbeat();
    await ctx.sleep(Math.min(nextPollDelay(Date.now() - sinceMs, expectedMs, schedule), Math.max(0, answerBy - Date.now())));
  }
}

async function observe(clients: CloudClients, lro: AwaitOperation, input: ObserveTunnelsInput, known?: AwsTunnels): Promise<TunnelStatus[]> {
  try {
    const [aws, azure] = await Promise.all([known ?? awsTunnels(clients, input.scope), azurePeers(clients, lro, input)]);
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
      status.established = awsSideUp(status.aws) && status.azure.state === 'Connected' && status.azure.routesReceived > 0;
      return status;
    });
  } catch (error) {
    throw toFailure(error, 'observe tunnels');
  }
}

async function awsOnly(clients: CloudClients, scope: MeshScope): Promise<AwsTunnels> {
  try {
    return await awsTunnels(clients, scope);
  } catch (error) {
    throw toFailure(error, 'observe tunnels');
  }
}

function allUp(aws: AwsTunnels, tunnels: TunnelPlan[]): boolean {
  return tunnels.every((plan) => awsSideUp(aws.get(plan.insideCidr)));
}

/** What a tunnel needs of AWS to be established: up, and carrying routes. */
function awsSideUp(tunnel: { status: string; acceptedRoutes: number } | undefined): boolean {
  return tunnel?.status === 'UP' && tunnel.acceptedRoutes > 0;
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
