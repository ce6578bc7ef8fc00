// A cluster's node pool as the cloud emulators know it (an EKS managed node group, an AKS
// agent pool): how many nodes, of which size, in which subnets and zones, and where their
// pods take addresses. The simulator turns it into Node objects (sim/README.md, "Nodes,
// pods and endpoint slices").
import { parseCidr } from '../azure/ipv4.ts';

export interface NodeSubnet {
  /** The subnet's IPv4 block: node addresses (and EKS pod addresses) come from it. */
  cidr: string;
  /** `topology.kubernetes.io/zone` of the nodes placed in it (`us-east-1a`, `eastus-1`, or AKS's `0` without zones). */
  zone: string;
}

export interface NodePool {
  name: string;
  count: number;
  /** EKS instance type or AKS VM size: `node.kubernetes.io/instance-type`. */
  instanceType: string;
  /** Nodes are spread over these round-robin. */
  subnets: NodeSubnet[];
  /** AKS Azure CNI overlay: every node gets a /24 of it, its pods take addresses there. Without it pods take subnet addresses (EKS VPC CNI). */
  podCidr?: string;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NODES = 1000;

/** The node pool named `name` in a request body, or what is wrong with it (naming the field). */
export function parseNodePool(name: unknown, body: unknown): NodePool | string {
  const { count, instanceType, subnets, podCidr } = (body ?? {}) as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) return 'nodePools[].name must be 1-63 of [a-z0-9-], starting and ending alphanumeric';
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_NODES) return `nodePools[${name}].count must be an integer from 0 to ${MAX_NODES}`;
  if (typeof instanceType !== 'string' || !instanceType) return `nodePools[${name}].instanceType must be a non-empty string`;
  if (!Array.isArray(subnets) || subnets.length === 0) return `nodePools[${name}].subnets must be a non-empty array`;
  const parsed: NodeSubnet[] = [];
  for (const [i, subnet] of subnets.entries()) {
    const { cidr, zone } = (subnet ?? {}) as Record<string, unknown>;
    if (typeof cidr !== 'string' || !isCidr(cidr, 29)) return `nodePools[${name}].subnets[${i}].cidr must be an IPv4 CIDR block of /29 or larger`;
    if (typeof zone !== 'string' || !zone) return `nodePools[${name}].subnets[${i}].zone must be a non-empty string`;
    parsed.push({ cidr, zone });
  }
  if (podCidr !== undefined && (typeof podCidr !== 'string' || !isCidr(podCidr, 24))) return `nodePools[${name}].podCidr must be an IPv4 CIDR block of /24 or larger`;
  return { name, count, instanceType, subnets: parsed, ...(podCidr ? { podCidr } : {}) };
}

/** The node pools of a cluster request (`nodePools`), or what is wrong with them. */
export function parseNodePools(value: unknown): NodePool[] | string {
  if (!Array.isArray(value)) return 'nodePools must be an array';
  const pools: NodePool[] = [];
  for (const item of value) {
    const pool = parseNodePool((item as { name?: unknown } | null)?.name, item);
    if (typeof pool === 'string') return pool;
    if (pools.some((p) => p.name === pool.name)) return `nodePools has ${pool.name} twice`;
    pools.push(pool);
  }
  return pools;
}

function isCidr(text: string, smallest: number): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) && parseCidr(text) !== undefined && Number(text.split('/')[1]) <= smallest;
}
