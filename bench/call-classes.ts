/**
 * Sorting the emulators' call counts (sim/README.md "Fault injection and call counting")
 * into creates, reads, polls and deletes, and the yardsticks they are read against.
 *
 * Polls: Azure's are exact, every `operations.get` is a long-running-operation poll.
 * AWS has no operation to poll, only Describe* calls, and a count cannot say why a
 * describe was made. For the describes of resources that have a pending state, calls
 * beyond one lookup and one confirming read per resource are counted as polls; other
 * readers of the same operation (pre-shared keys, tunnel telemetry, cluster endpoints)
 * land there too, so AWS polls are an upper bound ("≤").
 */
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { meshGraph } from '../domain/mesh-graph.ts';
import { CURRENT_NAMING } from '../domain/names.ts';
import type { Calls } from '../sim/controls.ts';
import { latencyOf } from './latencies.ts';

export type CallClass = 'create' | 'read' | 'poll' | 'delete';

/** AWS describe → the resource kind it waits on. */
const AWS_WAITS: Record<string, string> = {
  'ec2.DescribeTransitGateways': 'aws.transitGateway',
  'ec2.DescribeTransitGatewayVpcAttachments': 'aws.transitGatewayVpcAttachment',
  'ec2.DescribeVpnConnections': 'aws.vpnConnection',
  'eks.DescribeCluster': 'aws.eksCluster',
  'eks.DescribeNodegroup': 'aws.eksNodegroup',
};

export function classOf(cloud: 'aws' | 'azure', operation: string): CallClass {
  const verb = operation.slice(operation.indexOf('.') + 1);
  if (cloud === 'azure') {
    if (operation === 'operations.get') return 'poll';
    if (verb === 'createOrUpdate' || verb === 'update' || verb === 'updateTags') return 'create';
    if (verb === 'delete') return 'delete';
    return 'read';
  }
  if (/^(Delete|Detach|Disassociate|Terminate|Release)/.test(verb)) return 'delete';
  if (/^(Describe|Get|List)/.test(verb)) return 'read';
  return 'create';
}

export interface ClassifiedCalls {
  total: number;
  byClass: Record<CallClass, number>;
  /** AWS part of `poll` is an upper bound. */
  awsPollsUpperBound: number;
  azurePolls: number;
  rows: { cloud: 'aws' | 'azure'; operation: string; class: CallClass; count: number }[];
}

/** The spec tells how many resources wait behind each AWS describe, for the read/poll split. */
export function classify(calls: { aws: Calls; azure: Calls }, spec: MeshSpec): ClassifiedCalls {
  const kinds = countKinds(spec);
  const byClass: Record<CallClass, number> = { create: 0, read: 0, poll: 0, delete: 0 };
  const rows: ClassifiedCalls['rows'] = [];
  let awsPollsUpperBound = 0;
  let azurePolls = 0;
  for (const cloud of ['aws', 'azure'] as const) {
    for (const [operation, count] of Object.entries(calls[cloud])) {
      const cls = classOf(cloud, operation);
      const waitsOn = cloud === 'aws' ? AWS_WAITS[operation] : undefined;
      if (waitsOn) {
        const reads = Math.min(count, 2 * (kinds.get(waitsOn) ?? 0));
        byClass.read += reads;
        byClass.poll += count - reads;
        awsPollsUpperBound += count - reads;
        rows.push({ cloud, operation, class: 'read', count: reads }, ...(count > reads ? [{ cloud, operation, class: 'poll' as const, count: count - reads }] : []));
        continue;
      }
      byClass[cls] += count;
      if (cls === 'poll') azurePolls += count;
      rows.push({ cloud, operation, class: cls, count });
    }
  }
  const total = byClass.create + byClass.read + byClass.poll + byClass.delete;
  return { total, byClass, awsPollsUpperBound, azurePolls, rows: rows.sort((a, b) => b.count - a.count) };
}

/** One create (or delete) and one confirming read per cloud resource; Kubernetes objects are not cloud calls. */
export function minimalCalls(spec: MeshSpec): number {
  return 2 * cloudNodes(spec).length;
}

/**
 * The polls an exponential backoff (first poll after 5 s real, ×1.5 each time) needs to
 * see an operation of L seconds finish: ⌈log_1.5(1 + L/10)⌉ per operation with a latency,
 * which grows with the logarithm of its duration.
 */
export function logPollAllowance(spec: MeshSpec, verb: 'create' | 'delete'): number {
  return cloudNodes(spec)
    .map((n) => latencyOf(n.kind)[verb])
    .filter((seconds) => seconds > 0)
    .reduce((sum, seconds) => sum + Math.ceil(Math.log(1 + seconds / 10) / Math.log(1.5)), 0);
}

function cloudNodes(spec: MeshSpec) {
  return meshGraph(spec, CURRENT_NAMING).nodes.filter((n) => !n.kind.startsWith('kube.') && n.kind !== 'aws.existingVpc' && n.kind !== 'aws.existingSubnet');
}

function countKinds(spec: MeshSpec): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const n of meshGraph(spec, CURRENT_NAMING).nodes) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  return kinds;
}
