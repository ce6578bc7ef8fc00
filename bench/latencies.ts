/**
 * The real-world latencies (seconds) the proving ground emulates, per resource kind of
 * the mesh graph (the product's own figures, domain/cloud-latency.ts), each with the place
 * in the emulators that plays it. The benchmark's
 * critical path is computed from this table and the graph, never from a run, so that a
 * slow run cannot make its own yardstick longer. The emulators divide each number by
 * the time scale. `checkLatencies()` re-reads every cited line so the table cannot drift
 * silently from the emulators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloudLatency } from '../domain/cloud-latency.ts';
import { REPO } from '../sim/setup.ts';

export interface Latency {
  create: number;
  delete: number;
  /** Where the numbers are: a file and a literal text that must occur in it (absent: Moto's own model, final at once). */
  source: { file: string; text?: string; why?: string };
}

const MOTO_AT_ONCE = (file: string, why: string) => ({ file, why: `no timeline: ${why}` });
/** The product's real-world figure for the kind (domain/cloud-latency.ts), with where the emulators play it. */
const cited = (kind: string, source: Latency['source']): Latency => ({ create: cloudLatency(kind).create, delete: cloudLatency(kind).delete, source });

export const LATENCIES: Record<string, Latency> = {
  // AWS (Moto, sim/aws/*.py): lifecycle.transition / eks._schedule give the pending time.
  'aws.vpc': cited('aws.vpc', MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's VPC is available at once")),
  'aws.existingVpc': cited('aws.existingVpc', MOTO_AT_ONCE('sim/aws/moto_server.py', 'looked up, never created')),
  'aws.subnet': cited('aws.subnet', MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's subnet is available at once")),
  'aws.existingSubnet': cited('aws.existingSubnet', MOTO_AT_ONCE('sim/aws/moto_server.py', 'looked up, never created')),
  'aws.transitGateway': cited('aws.transitGateway', { file: 'sim/aws/transit_gateway.py', text: 'TGW_CREATE_S, TGW_DELETE_S = 180, 120' }),
  'aws.transitGatewayVpcAttachment': cited('aws.transitGatewayVpcAttachment', { file: 'sim/aws/transit_gateway.py', text: 'VPC_ATTACH_CREATE_S, VPC_ATTACH_DELETE_S = 90, 60' }),
  'aws.vpcRoute': cited('aws.vpcRoute', MOTO_AT_ONCE('sim/aws/moto_server.py', "Moto's CreateRoute is final at once")),
  'aws.customerGateway': cited('aws.customerGateway', MOTO_AT_ONCE('sim/aws/vpn.py', 'customer gateways are available at once, deleted at once')),
  'aws.vpnConnection': cited('aws.vpnConnection', { file: 'sim/aws/vpn.py', text: 'VPN_CREATE_S, VPN_DELETE_S = 300, 120' }),
  'aws.iamRole': cited('aws.iamRole', MOTO_AT_ONCE('sim/aws/moto_server.py', 'IAM is final at once')),
  'aws.eksCluster': cited('aws.eksCluster', { file: 'sim/aws/eks.py', text: 'CLUSTER_CREATE_S, CLUSTER_DELETE_S = 600, 300' }),
  'aws.eksAccessEntry': cited('aws.eksAccessEntry', MOTO_AT_ONCE('sim/aws/eks_access.py', 'access entries are final at once')),
  'aws.eksNodegroup': cited('aws.eksNodegroup', { file: 'sim/aws/eks.py', text: 'NODEGROUP_CREATE_S, NODEGROUP_DELETE_S = 180, 120' }),
  'pki.rootCa': cited('pki.rootCa', MOTO_AT_ONCE('sim/aws/moto_server.py', 'Secrets Manager is final at once; the key is generated in the activity')),
  // Azure (the ARM emulator): each ResourceSpec's `latency` is its PUT and DELETE operation.
  'azure.resourceGroup': cited('azure.resourceGroup', { file: 'sim/azure/groups.ts', text: 'const LATENCY = { put: 2, delete: 30 };' }),
  'azure.virtualNetwork': cited('azure.virtualNetwork', { file: 'sim/azure/types/virtual-network.ts', text: 'latency: { put: 15, delete: 15 }' }),
  'azure.subnet': cited('azure.subnet', { file: 'sim/azure/types/subnet.ts', text: 'latency: { put: 10, delete: 10 }' }),
  'azure.publicIp': cited('azure.publicIp', { file: 'sim/azure/types/public-ip-address.ts', text: 'latency: { put: 15, delete: 15 }' }),
  'azure.vpnGateway': cited('azure.vpnGateway', { file: 'sim/azure/types/virtual-network-gateway.ts', text: 'latency: { put: 2700, delete: 1200 }' }),
  'azure.localNetworkGateway': cited('azure.localNetworkGateway', { file: 'sim/azure/types/local-network-gateway.ts', text: 'latency: { put: 30, delete: 30 }' }),
  'azure.connection': cited('azure.connection', { file: 'sim/azure/types/connection.ts', text: 'latency: { put: 90, delete: 60 }' }),
  'azure.aksCluster': cited('azure.aksCluster', { file: 'sim/azure/types/managed-cluster.ts', text: 'latency: { put: 420, delete: 300 }' }),
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

/**
 * Every cited text still in its file, and its two numbers still the product's create and
 * delete figures; returns what drifted (printed as a warning, never fatal).
 */
export function checkLatencies(): string[] {
  const drifted: string[] = [];
  const check = (what: string, source: Latency['source'], expected?: number[]) => {
    if (!source.text) return;
    const text = readFileSync(join(REPO, source.file), 'utf8');
    if (!text.includes(source.text)) drifted.push(`${what}: "${source.text}" is no longer in ${source.file}`);
    const played = (source.text.match(/\d+/g) ?? []).map(Number).slice(-2);
    if (expected && played.join() !== expected.join()) drifted.push(`${what}: ${source.file} plays ${played.join('/')} s, domain/cloud-latency.ts says ${expected.join('/')} s`);
  };
  for (const [kind, latency] of Object.entries(LATENCIES)) check(kind, latency.source, [latency.create, latency.delete]);
  check('bgp convergence', BGP_CONVERGENCE.source);
  return drifted;
}
