// The kubelets of the simulated nodes: a pod bound to a node starts at once (Running, its
// containers running, an address from the node's pod range, or the node's own with
// hostNetwork) and is Ready unless something registered in ExternalReadiness says otherwise.
// A pod being deleted is confirmed gone at once (no grace period: nothing runs), and a pod
// whose node no longer exists is deleted, as the pod garbage collector does.
import { createHash } from 'node:crypto';
import type { AddressBook, Range } from './addresses.ts';
import { KubeError, MERGE_PATCH, type AdminClient } from './admin-client.ts';
import type { ExternalReadiness } from './external.ts';
import { internalIp, type Node } from './nodes.ts';
import { workloadOf, type Pod } from './pods.ts';
import type { Controller } from './reflector.ts';

export interface KubeletView {
  node(name: string): Node | undefined;
  /** Where the node's pods take addresses: its subnet (EKS VPC CNI) or its overlay /24 (AKS). */
  podRange(node: Node): Range;
}

export function kubelet(client: AdminClient, addresses: AddressBook, external: ExternalReadiness, view: KubeletView, onPodChanged: (pod: Pod) => void): Controller<Pod> {
  const gone = (error: unknown) => {
    if (!(error instanceof KubeError && error.status === 404)) throw error;
  };
  return {
    path: '/api/v1/pods',
    async reconcile(pod) {
      try {
        await run(pod);
      } finally {
        onPodChanged(pod);
      }
    },
    forget(pod) {
      addresses.release(`pod/${pod.metadata.namespace}/${pod.metadata.name}`);
      onPodChanged(pod);
    },
  };

  async function run(pod: Pod): Promise<void> {
    const { name, namespace = '', deletionTimestamp } = pod.metadata;
    const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
    if (!pod.spec.nodeName) return;
    if (deletionTimestamp) return void (await client.call('DELETE', `${path}?gracePeriodSeconds=0`).catch(gone));
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const node = view.node(pod.spec.nodeName) ?? (await client.call<Node>('GET', `/api/v1/nodes/${pod.spec.nodeName}`).catch(() => undefined));
    if (!node) return void (await client.call('DELETE', `${path}?gracePeriodSeconds=0`).catch(gone));
    const hostIP = internalIp(node);
    if (!hostIP) throw new Error(`node ${node.metadata.name} has no InternalIP yet`);
    const owner = `pod/${namespace}/${name}`;
    const workload = workloadOf(pod);
    const ready = (workload && external.ready(workload.kind, namespace, workload.name)) ?? true;
    const current = pod.status?.podIP;
    if (current && !pod.spec.hostNetwork) addresses.claim(current, owner);
    const podIP = pod.spec.hostNetwork ? hostIP : current ?? addresses.allocate(view.podRange(node), createHash('sha256').update(owner).digest().readUInt32BE(0), owner);
    const isReady = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === (ready ? 'True' : 'False'));
    if (pod.status?.phase === 'Running' && current === podIP && isReady) return;
    await client.call('PATCH', `${path}/status`, { status: runningStatus(pod, hostIP, podIP, ready) }, MERGE_PATCH);
  }
}

function runningStatus(pod: Pod, hostIP: string, podIP: string, ready: boolean): Record<string, unknown> {
  const now = new Date().toISOString();
  const started = (pod.status as { startTime?: string } | undefined)?.startTime ?? now;
  const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now });
  const id = (container: string) => `containerd://${createHash('sha256').update(`${pod.metadata.uid}/${container}`).digest('hex')}`;
  return {
    phase: 'Running',
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: started,
    conditions: [condition('PodReadyToStartContainers', true), condition('Initialized', true), condition('Ready', ready), condition('ContainersReady', ready), condition('PodScheduled', true)],
    initContainerStatuses: (pod.spec.initContainers ?? []).map((c) => ({
      name: c.name, image: c.image ?? '', imageID: c.image ?? '', containerID: id(c.name), ready: true, started: false, restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started, containerID: id(c.name) } },
    })),
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name, image: c.image ?? '', imageID: c.image ?? '', containerID: id(c.name), ready, started: true, restartCount: 0,
      state: { running: { startedAt: started } },
    })),
  };
}
