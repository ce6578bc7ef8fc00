/**
 * How long the clouds take, in real-world seconds, per resource kind of the mesh graph:
 * what a change plan promises and what the proving ground's emulators play (divided by
 * their time scale; bench/latencies.ts checks that they still do). `update` is an in-place
 * change of the kind's mutable fields (a node count, a Kubernetes version, a Helm upgrade).
 */
export interface CloudLatency {
  create: number;
  delete: number;
  update: number;
}

const AT_ONCE: CloudLatency = { create: 0, delete: 0, update: 0 };

export const CLOUD_LATENCY: Readonly<Record<string, CloudLatency>> = {
  'aws.vpc': AT_ONCE,
  'aws.existingVpc': AT_ONCE,
  'aws.subnet': AT_ONCE,
  'aws.existingSubnet': AT_ONCE,
  'aws.transitGateway': { create: 180, delete: 120, update: 60 },
  'aws.transitGatewayVpcAttachment': { create: 90, delete: 60, update: 60 },
  'aws.vpcRoute': AT_ONCE,
  'aws.customerGateway': AT_ONCE,
  'aws.vpnConnection': { create: 300, delete: 120, update: 300 },
  'aws.iamRole': AT_ONCE,
  // A control-plane version upgrade takes EKS tens of minutes; it is one minor at a time.
  'aws.eksCluster': { create: 600, delete: 300, update: 1800 },
  'aws.eksAccessEntry': AT_ONCE,
  'aws.eksNodegroup': { create: 180, delete: 120, update: 180 },
  'pki.rootCa': AT_ONCE,
  'azure.resourceGroup': { create: 2, delete: 30, update: 2 },
  'azure.virtualNetwork': { create: 15, delete: 15, update: 15 },
  'azure.subnet': { create: 10, delete: 10, update: 10 },
  'azure.publicIp': { create: 15, delete: 15, update: 15 },
  // The active-active VPN gateway: most of an hour to create, twenty minutes to delete.
  'azure.vpnGateway': { create: 2700, delete: 1200, update: 1800 },
  'azure.localNetworkGateway': { create: 30, delete: 30, update: 30 },
  'azure.connection': { create: 90, delete: 60, update: 60 },
  'azure.aksCluster': { create: 420, delete: 300, update: 600 },
};

/** Kubernetes objects and Helm releases: API-server work, seconds at most. */
const KUBERNETES: CloudLatency = AT_ONCE;

export function cloudLatency(kind: string): CloudLatency {
  if (kind.startsWith('kube.')) return KUBERNETES;
  const latency = CLOUD_LATENCY[kind];
  if (!latency) throw new Error(`domain/cloud-latency.ts has no latency for resource kind ${kind}`);
  return latency;
}

/**
 * BGP over tunnels just made: about a minute from the connection until both sides have
 * established their sessions and exchanged routes (what the proving ground plays, sim/fabric.ts).
 * Tunnel observations are timed by it (activities/tunnel-status.ts).
 */
export const BGP_CONVERGENCE_SECONDS = 60;
