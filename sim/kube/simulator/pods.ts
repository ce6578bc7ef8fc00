// What the simulator's controllers share about pods: their shape, which workload owns
// them, whether they are ready, and how a pod is made from a workload's template.
import { createHash, randomBytes } from 'node:crypto';
import type { KubeObject } from './admin-client.ts';
import type { WorkloadKind } from './external.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Condition {
  type: string;
  status: string;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; image?: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[]; initContainers?: { name: string; image?: string }[]; nodeSelector?: Record<string, string>; hostNetwork?: boolean; [field: string]: unknown };
}

export interface Pod extends KubeObject {
  metadata: KubeObject['metadata'] & { ownerReferences?: OwnerReference[] };
  spec: PodTemplate['spec'] & { nodeName?: string };
  status?: { phase?: string; podIP?: string; hostIP?: string; conditions?: Condition[] };
}

/** The owner that controls `object` (ReplicaSet, DaemonSet, Service, …), if any. */
export function controllerOf(object: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((o) => o.controller);
}

/** The Deployment or DaemonSet a pod belongs to: a ReplicaSet's Deployment is its name without the template hash. */
export function workloadOf(pod: Pod): { kind: WorkloadKind; name: string } | undefined {
  const owner = controllerOf(pod);
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner?.kind === 'DaemonSet') return { kind: 'DaemonSet', name: owner.name };
  if (owner?.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  return undefined;
}

export function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** The characters Kubernetes uses in generated names (no vowels, no look-alikes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(bytes: Buffer, length: number): string {
  return [...bytes.subarray(0, length)].map((b) => SAFE[b % SAFE.length]).join('');
}

/** A template's hash as the controllers label pods with it (`pod-template-hash`, `controller-revision-hash`). */
export function templateHash(template: PodTemplate): string {
  return safeEncode(createHash('sha256').update(JSON.stringify(template)).digest(), 10);
}

/** `<prefix>-<5 random characters>`, as generateName does. */
export function generatedName(prefix: string): string {
  return `${prefix.slice(0, 57)}-${safeEncode(randomBytes(5), 5)}`;
}

/** A pod of `owner` from `template`, with extra labels and (DaemonSets) its node. */
export function podFrom(template: PodTemplate, namespace: string, owner: OwnerReference, labels: Record<string, string>, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: generatedName(owner.name),
      namespace,
      uid: '',
      labels: { ...template.metadata?.labels, ...labels },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...template.spec, ...(nodeName ? { nodeName } : {}) },
  };
}
