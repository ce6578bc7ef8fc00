/**
 * The real-world latencies (seconds) the proving ground emulates, per resource kind of
 * the mesh graph, each with the place in the emulators it comes from. The benchmark's
 * critical path is computed from this table and the graph, never from a run, so that a
 * slow run cannot make its own yardstick longer. The emulators divide each number by
 * the time scale. `checkLatencies()` re-reads every cited line so the table cannot drift
 * silently from the emulators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../sim/setup.ts';

export interface Latency {
  create: number;
  delete: number;
  /** Where the numbers are: a file and a literal text that must occur in it (absent: Moto's own model, final at once). */
  source: { file: string; text?: string; why?: string };
}

const MOTO_AT_ONCE = (file: string, why: string) => ({ file, why: `no timeline: ${why}` });

export const LATENCIES: Record<string, Latency> = {
  // AWS (Moto, sim/aws/*.py): lifecycle.transition / eks._schedule give the pending time.
  'aws.vpc': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's VPC is available at once") },
  'aws.existingVpc': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', 'looked up, never created') },
  'aws.subnet': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's subnet is available at once") },
  'aws.existingSubnet': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', 'looked up, never created') },
  'aws.transitGateway': { create: 180, delete: 120, source: { file: 'sim/aws/transit_gateway.py', text: 'TGW_CREATE_S, TGW_DELETE_S = 180, 120' } },
  'aws.transitGatewayVpcAttachment': { create: 90, delete: 60, source: { file: 'sim/aws/transit_gateway.py', text: 'VPC_ATTACH_CREATE_S, VPC_ATTACH_DELETE_S = 90, 60' } },
  'aws.vpcRoute': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's CreateRoute is final at once") },
  'aws.customerGateway': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/vpn.py', 'customer gateways are available at once, deleted at once') },
  'aws.vpnConnection': { create: 300, delete: 120, source: { file: 'sim/aws/vpn.py', text: 'VPN_CREATE_S, VPN_DELETE_S = 300, 120' } },
  'aws.iamRole': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', 'IAM is final at once') },
  'aws.eksCluster': { create: 600, delete: 300, source: { file: 'sim/aws/eks.py', text: 'CLUSTER_CREATE_S, CLUSTER_DELETE_S = 600, 300' } },
  'aws.eksAccessEntry': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/eks_access.py', 'access entries are final at once') },
  'aws.eksNodegroup': { create: 180, delete: 120, source: { file: 'sim/aws/eks.py', text: 'NODEGROUP_CREATE_S, NODEGROUP_DELETE_S = 180, 120' } },
  'pki.rootCa': { create: 0, delete: 0, source: MOTO_AT_ONCE('sim/aws/moto_server.py', 'Secrets Manager is final at once; the key is generated in the activity') },
  // Azure (the ARM emulator): each ResourceSpec's `latency` is its PUT and DELETE operation.
  'azure.resourceGroup': { create: 2, delete: 30, source: { file: 'sim/azure/groups.ts', text: 'const LATENCY = { put: 2, delete: 30 };' } },
  'azure.virtualNetwork': { create: 15, delete: 15, source: { file: 'sim/azure/types/virtual-network.ts', text: 'latency: { put: 15, delete: 15 }' } },
  'azure.subnet': { create: 10, delete: 10, source: { file: 'sim/azure/types/subnet.ts', text: 'latency: { put: 10, delete: 10 }' } },
  'azure.publicIp': { create: 15, delete: 15, source: { file: 'sim/azure/types/public-ip-address.ts', text: 'latency: { put: 15, delete: 15 }' } },
  'azure.vpnGateway': { create: 2700, delete: 1200, source: { file: 'sim/azure/types/virtual-network-gateway.ts', text: 'latency: { put: 2700, delete: 1200 }' } },
  'azure.localNetworkGateway': { create: 30, delete: 30, source: { file: 'sim/azure/types/local-network-gateway.ts', text: 'latency: { put: 30, delete: 30 }' } },
  'azure.connection': { create: 90, delete: 60, source: { file: 'sim/azure/types/connection.ts', text: 'latency: { put: 90, delete: 60 }' } },
  'azure.aksCluster': { create: 420, delete: 300, source: { file: 'sim/azure/types/managed-cluster.ts', text: 'latency: { put: 420, delete: 300 }' } },
};

/** Kubernetes objects (namespaces, helm releases, secrets) are real API-server work on the kube pool: no emulated latency, so 0 in the critical path. */
export const KUBE_LATENCY: Latency = { create: 0, delete: 0, source: { file: 'sim/kube/', why: 'real kube-apiserver and helm work, not emulated' } };

/** BGP must have held for this long after both sides of a tunnel are configured before the tunnel counts as up; Ready waits for it. */
export const BGP_CONVERGENCE: { seconds: number; source: Latency['source'] } = {
  seconds: 60,
  source: { file: 'sim/fabric.ts', text: 'export const CONVERGENCE_SECONDS = 60;' },
};

export function latencyOf(kind: string): Latency {
  if (kind.startsWith('kube.')) return KUBE_LATENCY;
  const latency = LATENCIES[kind];
  if (!latency) throw new Error(`bench/latencies.ts has no latency for resource kind ${kind}: add it with its source`);
  return latency;
}

/** Every cited text still in its file; returns what drifted (printed as a warning, never fatal). */
export function checkLatencies(): string[] {
  const cited = [...Object.entries(LATENCIES), ['bgp convergence', BGP_CONVERGENCE] as const];
  const drifted: string[] = [];
  for (const [kind, { source }] of cited) {
    if (!source.text) continue;
    const text = readFileSync(join(REPO, source.file), 'utf8');
    if (!text.includes(source.text)) drifted.push(`${kind}: "${source.text}" is no longer in ${source.file}`);
  }
  return drifted;
}
