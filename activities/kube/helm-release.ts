/**
 * One Helm release (an Istio chart) in one cell. Ready means what an operator would
 * check: the release is deployed, its workloads report every replica ready, and the
 * east-west gateway's Service has a load-balancer address.
 */
import type { V1CustomResourceDefinition, V1DaemonSet, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { IstioParams, WorkloadRef } from '../../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import { ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import type { Helm, ReleaseStatus } from './helm.ts';
import { objectApi, readObject } from './objects.ts';
import { daemonSetReady, deploymentReady } from './workload-readiness.ts';

type Params = IstioParams['kube.helmRelease'];

export interface ObservedRelease {
  release: ReleaseStatus;
  notReady: string[];
  address?: string;
}

export function helmReleaseHandler(kube: KubeAccess, helm: Helm): ResourceHandler<Params, ObservedRelease> {
  const install = async (params: Params, signal: AbortSignal) => {
    const config = await reachKube(kube, params.cluster);
    // upgrade --install refuses a release marked pending ("another operation is in progress"): one whose helm is gone is released first.
    const found = await helm.status(config, params.release, ISTIO_NAMESPACE);
    if (found && stuckPending(found, Date.now(), helm.commandTimeoutMs)) {
      await (found.status === 'pending-install' ? helm.uninstall(config, params.release, ISTIO_NAMESPACE, signal) : helm.rollback(config, params.release, ISTIO_NAMESPACE, signal));
    }
    await helm.upgradeInstall(config, { name: params.release, namespace: ISTIO_NAMESPACE, chart: params.chart, istioVersion: params.istioVersion, values: params.values }, signal);
  };
  return {
    async describe({ params }) {
      const found = await kube(params.cluster);
      if (!found) return undefined;
      const release = await helm.status(found, params.release, ISTIO_NAMESPACE);
      if (!release) return undefined;
      const api = objectApi(found);
      const notReady = (await Promise.all(params.ready.map(async (w) => ((await workloadReady(api, w)) ? [] : [`${w.kind} ${w.name}`])))).flat();
      const address = params.addressOf ? await serviceAddress(api, params.addressOf) : undefined;
      return { release, notReady, ...(address ? { address } : {}) };
    },
    create: async ({ params }, _outputs, signal) => install(params, signal),
    // upgrade --install takes the release to the new values whatever revision it is at.
    update: async (_observed, { params }, _previous, _outputs, signal) => install(params, signal),
    phase: (observed, { params }) => releasePhase(observed, params, Date.now(), helm.commandTimeoutMs),
    output: (observed) => ({
      cloudId: `helm/${ISTIO_NAMESPACE}`,
      state: observed.release.status,
      attributes: { revision: String(observed.release.revision), ...(observed.address ? { address: observed.address } : {}) },
    }),
    delete: async (_observed, { params }, signal) => helm.uninstall(await reachKube(kube, params.cluster), params.release, ISTIO_NAMESPACE, signal),
  };
}

function releasePhase(observed: ObservedRelease, params: Params, now: number, helmTimeoutMs: number): Phase {
  const { status } = observed.release;
  // helm records 'uninstalling' while it deletes, and keeps it if a delete failed: only running uninstall again finishes it.
  if (status === 'uninstalling') return { is: 'drifted', detail: 'an uninstall stopped part way' };
  if (stuckPending(observed.release, now, helmTimeoutMs)) return { is: 'drifted', detail: `${status} since ${observed.release.lastDeployed}: no helm works on it any more` };
  if (status.startsWith('pending')) return { is: 'busy', detail: status };
  if (status !== 'deployed') return { is: 'drifted', detail: `release is ${status}` };
  if (observed.notReady.length > 0) return { is: 'settling', detail: `not ready: ${observed.notReady.join(', ')}` };
  if (params.addressOf && !observed.address) return { is: 'settling', detail: `service ${params.addressOf} has no load-balancer address yet` };
  return ready();
}

/**
 * helm marks a release pending (-install, -upgrade, -rollback) while one of its commands
 * works on it, and only that command clears the mark: a helm that was killed, or whose
 * write of the release's outcome failed (or was applied but answered with an error), leaves
 * it pending for good, and every later upgrade is refused. Ours are killed after
 * `helmTimeoutMs`, so a release pending longer than that has no helm working on it.
 */
export function stuckPending(release: ReleaseStatus, now: number, helmTimeoutMs: number): boolean {
  const since = Date.parse(release.lastDeployed ?? '');
  return release.status.startsWith('pending') && !Number.isNaN(since) && now - since > helmTimeoutMs;
}

async function workloadReady(api: ReturnType<typeof objectApi>, workload: WorkloadRef): Promise<boolean> {
  if (workload.kind === 'CustomResourceDefinition') {
    const crd = await readObject<V1CustomResourceDefinition>(api, { apiVersion: 'apiextensions.k8s.io/v1', kind: workload.kind, metadata: { name: workload.name } });
    return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  }
  const ref = { apiVersion: 'apps/v1', kind: workload.kind, metadata: { name: workload.name, namespace: ISTIO_NAMESPACE } };
  if (workload.kind === 'Deployment') {
    const d = await readObject<V1Deployment>(api, ref);
    // Ready counts only once the controller has seen the spec just installed.
    return deploymentReady(d) && (d?.status?.observedGeneration ?? 0) >= (d?.metadata?.generation ?? 0);
  }
  return daemonSetReady(await readObject<V1DaemonSet>(api, ref));
}

export async function serviceAddress(api: ReturnType<typeof objectApi>, name: string): Promise<string | undefined> {
  const svc = await readObject<V1Service>(api, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ISTIO_NAMESPACE } });
  const ingress = svc?.status?.loadBalancer?.ingress?.[0];
  return ingress?.hostname ?? ingress?.ip;
}
