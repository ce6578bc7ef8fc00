// The nodes of a cluster's node pools, registered as kubelets and the cloud's node
// controller would: EKS's and AKS's labels (instance type, region, zone, node group or
// agent pool), an InternalIP from the pool's subnets, AKS overlay nodes a /24 of the pod
// CIDR, and a Ready condition. The pools come from the cloud emulators (an EKS node group,
// an AKS agent pool); a pool that shrinks or goes takes its newest nodes with it.
import { createHash, randomBytes } from 'node:crypto';
import { formatIp, parseCidr } from '../../azure/ipv4.ts';
import type { NodePool, NodeSubnet } from '../node-pool.ts';
import { CLOUD_SUBNET, type AddressBook } from './addresses.ts';
import { KubeError, MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

export interface NodeCloud {
  key: string;
  flavor: 'eks' | 'aks';
  region: string;
}

export interface Node extends KubeObject {
  spec?: { podCIDR?: string; providerID?: string; unschedulable?: boolean };
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] };
}

/** The label naming a node's pool, as each cloud sets it. */
export const POOL_LABEL = { eks: 'eks.amazonaws.com/nodegroup', aks: 'kubernetes.azure.com/agentpool' } as const;

export function internalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

export function isReadyNode(node: Node): boolean {
  return !node.metadata.deletionTimestamp && !node.spec?.unschedulable && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export class Nodes implements Controller<Node> {
  readonly path = '/api/v1/nodes';
  private pools: NodePool[];
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: AdminClient,
    private readonly cloud: NodeCloud,
    private readonly addresses: AddressBook,
    pools: NodePool[],
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.pools = pools;
  }

  /** The emulator changed the cluster's pools: add and remove nodes to match. */
  setPools(pools: NodePool[]): Promise<void> {
    this.pools = pools;
    return this.sync();
  }

  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).catch((error: Error) => this.log(`nodes: ${error.message}`));
    return this.syncing;
  }

  async reconcile(node: Node): Promise<void> {
    const ip = internalIp(node);
    if (ip) this.addresses.claim(ip, `node/${node.metadata.name}`);
    this.onChange();
  }

  forget(node: Node): void {
    this.addresses.release(`node/${node.metadata.name}`);
    this.onChange();
  }

  private async syncOnce(): Promise<void> {
    const label = POOL_LABEL[this.cloud.flavor];
    const { items } = await this.client.call<{ items: Node[] }>('GET', `/api/v1/nodes?labelSelector=${encodeURIComponent(label)}`);
    for (const node of items) {
      const ip = internalIp(node);
      if (ip) this.addresses.claim(ip, `node/${node.metadata.name}`);
    }
    const podCidrs = new Set(items.map((n) => n.spec?.podCIDR).filter(Boolean));
    for (const pool of this.pools) {
      const members = items.filter((n) => n.metadata.labels?.[label] === pool.name).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      for (const extra of members.slice(pool.count)) await this.remove(extra);
      const kept = members.slice(0, pool.count);
      for (let index = kept.length; index < pool.count; index++) {
        const subnet = leastUsed(pool.subnets, kept);
        const node = await this.create(pool, subnet, index, podCidrs);
        kept.push(node);
      }
    }
    const known = new Set(this.pools.map((p) => p.name));
    for (const orphan of items.filter((n) => !known.has(n.metadata.labels?.[label] ?? ''))) await this.remove(orphan);
  }

  private async create(pool: NodePool, subnet: NodeSubnet, index: number, podCidrs: Set<string | undefined>): Promise<Node> {
    const { flavor, region, key } = this.cloud;
    const seed = createHash('sha256').update(`${key}/${pool.name}/${index}`).digest().readUInt32BE(0);
    // Azure hands out a subnet's addresses in order; EC2 picks one anywhere in it.
    const ip = this.addresses.allocate({ cidr: subnet.cidr, ...CLOUD_SUBNET }, flavor === 'aks' ? 0 : seed, `pending/${key}/${pool.name}/${index}`);
    const name = flavor === 'eks'
      ? `ip-${ip.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`
      : `aks-${pool.name}-${String(seed % 1e8).padStart(8, '0')}-vmss${index.toString(36).padStart(6, '0')}`;
    this.addresses.release(`pending/${key}/${pool.name}/${index}`);
    this.addresses.claim(ip, `node/${name}`);
    const podCidr = pool.podCidr ? nextPodCidr(pool.podCidr, podCidrs) : undefined;
    if (podCidr) podCidrs.add(podCidr);
    const labels = {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node.kubernetes.io/instance-type': pool.instanceType,
      'topology.kubernetes.io/region': region,
      'topology.kubernetes.io/zone': subnet.zone,
      ...(flavor === 'eks'
        ? { [POOL_LABEL.eks]: pool.name, 'eks.amazonaws.com/capacityType': 'ON_DEMAND' }
        : { [POOL_LABEL.aks]: pool.name, agentpool: pool.name, 'kubernetes.azure.com/mode': 'system' }),
    };
    const providerID = flavor === 'eks'
      ? `aws:///${subnet.zone}/i-${randomBytes(9).toString('hex').slice(0, 17)}`
      : `azure:///${key}/virtualMachineScaleSets/aks-${pool.name}/virtualMachines/${index}`;
    const node = await this.client.call<Node>('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels },
      spec: { providerID, ...(podCidr ? { podCIDR: podCidr, podCIDRs: [podCidr] } : {}) },
    });
    await this.client.call('PATCH', `/api/v1/nodes/${name}/status`, { status: nodeStatus(name, ip, pool.instanceType) }, MERGE_PATCH);
    return node;
  }

  private async remove(node: Node): Promise<void> {
    await this.client.call('DELETE', `/api/v1/nodes/${node.metadata.name}`).catch((error: unknown) => {
      if (!(error instanceof KubeError && error.status === 404)) throw error;
    });
  }
}

/** Nodes go to the subnet (zone) with the fewest of the pool's nodes, so zones stay balanced. */
function leastUsed(subnets: NodeSubnet[], members: Node[]): NodeSubnet {
  const load = (s: NodeSubnet) => members.filter((n) => n.metadata.labels?.['topology.kubernetes.io/zone'] === s.zone).length;
  return subnets.reduce((best, s) => (load(s) < load(best) ? s : best), subnets[0]!);
}

/** The first /24 of the overlay pod CIDR no node has yet (AKS gives each node one). */
function nextPodCidr(podCidr: string, taken: Set<string | undefined>): string {
  const block = parseCidr(podCidr)!;
  for (let base = block.base; base < block.base + 2 ** (32 - block.bits); base += 256) {
    const candidate = `${formatIp(base)}/24`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`pod CIDR ${podCidr} has no /24 left for another node`);
}

function nodeStatus(name: string, ip: string, instanceType: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const cpu = vCpus(instanceType);
  const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: `simulated node (${reason})`, lastHeartbeatTime: now, lastTransitionTime: now });
  const resources = { cpu: String(cpu), memory: `${cpu * 4}Gi`, pods: '110', 'ephemeral-storage': '80Gi' };
  return {
    addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      condition('Ready', 'True', 'KubeletReady'),
    ],
    capacity: resources,
    allocatable: resources,
    nodeInfo: {
      machineID: createHash('md5').update(name).digest('hex'), systemUUID: createHash('md5').update(`uuid/${name}`).digest('hex'), bootID: createHash('md5').update(`boot/${name}`).digest('hex'),
      kernelVersion: '6.1.0', osImage: 'simulated', containerRuntimeVersion: 'containerd://1.7.0', kubeletVersion: 'v1.34.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
    },
  };
}

/** vCPUs of an EC2 type (`m6i.large` 2, `.xlarge` 4, `.4xlarge` 16) or an Azure size (`Standard_D4s_v5` 4); 2 when unknown. */
function vCpus(instanceType: string): number {
  const aws = /\.(\d*)x?large$/.exec(instanceType);
  if (aws) return instanceType.endsWith('.large') ? 2 : 4 * Number(aws[1] || 1);
  const azure = /^Standard_[A-Z]+(\d+)/i.exec(instanceType);
  return azure ? Number(azure[1]) : 2;
}
