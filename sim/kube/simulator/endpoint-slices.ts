// The endpoint-slice controller: a Service with a selector gets one EndpointSlice
// (`<service>-<hash>`, managed by endpointslice-controller.k8s.io) listing the pods it
// selects that have an address, each with its readiness, node and zone, and the Service's
// ports resolved to the pods' target ports (named ports through the pods' containers).
// Services whose endpoints something else provides (ExternalEndpoints), or that select pods
// of a workload run for real (ExternalReadiness), are left alone.
import { createHash } from 'node:crypto';
import { KubeError, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Node } from './nodes.ts';
import { isReady, type Pod } from './pods.ts';
import type { Controller } from './reflector.ts';
import { selectsMap } from './selectors.ts';

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec: { type?: string; selector?: Record<string, string>; ports?: ServicePort[] };
}

interface EndpointSlice extends KubeObject {
  endpoints: unknown[];
  ports: unknown[];
}

export interface EndpointView {
  pods(): Pod[];
  node(name: string): Node | undefined;
  /** True when something else writes this Service's endpoints. */
  external(namespace: string, name: string): boolean;
  /** True for a pod of a workload whose process runs for real (ExternalReadiness). */
  runsForReal(pod: Pod): boolean;
}

const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const CONTROLLER = 'endpointslice-controller.k8s.io';

export function endpointSlices(client: AdminClient, view: EndpointView): Controller<Service> {
  return {
    path: '/api/v1/services',
    async reconcile(service) {
      const { name, namespace = '', uid, labels = {}, deletionTimestamp } = service.metadata;
      if (!service.spec.selector || service.spec.type === 'ExternalName' || deletionTimestamp) return;
      const sliceName = `${name.slice(0, 56)}-${createHash('sha256').update(uid).digest('hex').slice(0, 5)}`;
      const path = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;
      const pods = view.pods().filter((p) => p.metadata.namespace === namespace && p.status?.podIP && selectsMap(service.spec.selector, p.metadata.labels));
      // A workload run for real (istiod) does not listen on its pod's simulated address: its
      // runner publishes its endpoints, or nothing does (and a webhook call fails at once).
      if (view.external(namespace, name) || pods.some(view.runsForReal)) return void (await client.call('DELETE', `${path}/${sliceName}`).catch(ignore404));
      const ports = (service.spec.ports ?? []).map((port) => ({ port, target: (pod: Pod) => targetPort(port, pod) }));
      const usable = pods.filter((pod) => ports.every(({ target }) => target(pod) !== undefined));
      const body = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: sliceName,
          namespace,
          labels: { ...labels, 'kubernetes.io/service-name': name, [MANAGED_BY]: CONTROLLER },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: usable.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map((pod) => {
          const terminating = Boolean(pod.metadata.deletionTimestamp);
          const zone = view.node(pod.spec.nodeName ?? '')?.metadata.labels?.['topology.kubernetes.io/zone'];
          return {
            addresses: [pod.status!.podIP!],
            conditions: { ready: isReady(pod), serving: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, terminating },
            // Field order as the API server answers, so an unchanged slice compares equal.
            targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
            ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
            ...(zone ? { zone } : {}),
          };
        }),
        ports: ports.map(({ port, target }) => ({
          name: port.name ?? '',
          protocol: port.protocol ?? 'TCP',
          ...(usable[0] ? { port: target(usable[0]) } : {}),
          ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
        })),
      };
      const existing = await client.call<EndpointSlice>('GET', `${path}/${sliceName}`).catch((error: unknown) => {
        if (error instanceof KubeError && error.status === 404) return undefined;
        throw error;
      });
      if (!existing) return void (await client.call('POST', path, body));
      if (JSON.stringify(existing.endpoints ?? []) === JSON.stringify(body.endpoints) && JSON.stringify(existing.ports ?? []) === JSON.stringify(body.ports)) return;
      await client.call('PUT', `${path}/${sliceName}`, { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } });
    },
  };
}

function ignore404(error: unknown): void {
  if (!(error instanceof KubeError && error.status === 404)) throw error;
}

/** The pod's port a Service port sends to: a number as is, a name through the pod's container ports. */
function targetPort(port: ServicePort, pod: Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'))?.containerPort;
}
