// istiod Deployments run for real: where the generic workload controller would only mark a
// Deployment ready, this one runs a real istiod per istiod Deployment (IstiodPod: the
// pilot-discovery binary as a local process, with the pod's identity, volumes and env) and
// writes the Deployment's status from istiod's own readiness probe. A deleted Deployment
// (helm uninstall, namespace deletion) or a stopped cluster stops its istiod; a changed
// pod template replaces it, as a rollout would. The Deployment's Available condition names
// the address istiod answers on, so anyone can reach its debug endpoints.
import { MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { ExternalReadiness } from './external.ts';
import { IstiodPod, templateHash, type ConfigMapObject, type IstiodDeployment, type IstiodHost, type PodStatus, type SecretObject } from './istiod-pod.ts';
import type { Controller } from './reflector.ts';

/** The label istiod's chart puts on its Deployment (any revision). */
const ISTIOD_LABEL = { key: 'app', value: 'istiod' };

/** The Deployments this controller runs: the generic workload controller leaves them alone. */
export function isIstiod(deployment: KubeObject): boolean {
  return deployment.metadata.labels?.[ISTIOD_LABEL.key] === ISTIOD_LABEL.value;
}

export interface IstiodControllers {
  deployments: Controller<IstiodDeployment>;
  /** The kubelet's Secret volume sync for the istiods' pods. */
  secrets: Controller<SecretObject>;
  /** The mesh ConfigMaps the istiods' mesh files follow. */
  configMaps: Controller<ConfigMapObject>;
  /** Where the ready istiod of `namespace` serves xDS over TLS, for proxies that call it by its service name. */
  xds(namespace: string): { host: string; port: number } | undefined;
  /** Stops every istiod. */
  stop(): Promise<void>;
}

/**
 * `external`: where the simulator's pod controllers learn that an istiod Deployment's pods
 * are Ready exactly when its istiod is, and leave its status to this controller.
 */
export function istiods(host: IstiodHost, external?: ExternalReadiness): IstiodControllers {
  const pods = new Map<string, IstiodPod>();
  const unregister = new Map<string, () => void>();
  const latest = new Map<string, IstiodDeployment>();
  const writes = new Map<string, Promise<void>>();
  const keyOf = (d: KubeObject) => `${d.metadata.namespace}/${d.metadata.name}`;

  /** Status writes of one Deployment happen in order, each from its latest version. */
  const writeStatus = (key: string) => {
    const next = (writes.get(key) ?? Promise.resolve()).then(async () => {
      const deployment = latest.get(key);
      if (deployment) await patchStatus(host.client, deployment, pods.get(key)?.status);
    }).catch((error: Error) => host.log(`${key} status: ${error.message}`));
    writes.set(key, next);
    return next;
  };

  const startPod = (key: string, deployment: IstiodDeployment) => {
    const { namespace = '', name } = deployment.metadata;
    const pod = new IstiodPod(host, deployment, () => {
      external?.changed('Deployment', namespace, name);
      void writeStatus(key);
    });
    pods.set(key, pod);
    unregister.get(key)?.();
    if (external) unregister.set(key, external.register('Deployment', namespace, name, () => pods.get(key)?.status.ready === true));
  };

  const stopPod = async (key: string) => {
    const pod = pods.get(key);
    pods.delete(key);
    await pod?.stop();
  };

  const release = (key: string) => {
    unregister.get(key)?.();
    unregister.delete(key);
  };

  return {
    deployments: {
      path: `/apis/apps/v1/deployments?labelSelector=${encodeURIComponent(`${ISTIOD_LABEL.key}=${ISTIOD_LABEL.value}`)}`,
      async reconcile(deployment) {
        const key = keyOf(deployment);
        latest.set(key, deployment);
        const wanted = !deployment.metadata.deletionTimestamp && (deployment.spec.replicas ?? 1) > 0;
        const pod = pods.get(key);
        if (pod && (!wanted || pod.uid !== deployment.metadata.uid || pod.templateHash !== templateHash(deployment))) await stopPod(key);
        if (wanted && !pods.has(key)) startPod(key, deployment);
        await writeStatus(key);
      },
      forget(deployment) {
        const key = keyOf(deployment);
        latest.delete(key);
        release(key);
        void stopPod(key);
      },
    },
    secrets: {
      // Helm releases and service-account tokens are never mounted by istiod and are the bulk of the Secrets.
      path: `/api/v1/secrets?fieldSelector=${encodeURIComponent('type!=helm.sh/release.v1,type!=kubernetes.io/service-account-token')}`,
      async reconcile(secret) {
        for (const pod of pods.values()) pod.secretChanged(secret.metadata.namespace ?? '', secret.metadata.name, secret.data ?? {});
      },
      forget(secret) {
        for (const pod of pods.values()) pod.secretChanged(secret.metadata.namespace ?? '', secret.metadata.name, undefined);
      },
    },
    configMaps: {
      path: '/api/v1/configmaps',
      async reconcile(map) {
        for (const pod of pods.values()) pod.configMapChanged(map.metadata.namespace ?? '', map.metadata.name, map.data ?? {});
      },
      forget(map) {
        for (const pod of pods.values()) pod.configMapChanged(map.metadata.namespace ?? '', map.metadata.name, undefined);
      },
    },
    xds(namespace) {
      return [...pods.entries()].filter(([key]) => key.startsWith(`${namespace}/`)).map(([, pod]) => pod.xdsAddress).find((address) => address);
    },
    async stop() {
      for (const key of [...unregister.keys()]) release(key);
      await Promise.all([...pods.keys()].map(stopPod));
    },
  };
}

/**
 * The status the deployment controller would write for one pod whose readiness is istiod's
 * (every replica counts as that one pod); only written when it differs.
 */
async function patchStatus(client: AdminClient, deployment: IstiodDeployment, pod: PodStatus | undefined): Promise<void> {
  const { name, namespace = '', generation } = deployment.metadata;
  const replicas = deployment.spec.replicas ?? 1;
  const ready = replicas === 0 || pod?.ready === true;
  const readyCount = ready ? replicas : 0;
  const want = { observedGeneration: generation ?? 0, replicas, updatedReplicas: replicas, readyReplicas: readyCount, availableReplicas: readyCount };
  const message = replicas === 0 ? 'Scaled to zero: no istiod runs.' : `${pod?.detail ?? 'no istiod yet'} (simulated pod: a local process of the real istiod)`;
  const status = deployment.status ?? {};
  const available = status.conditions?.find((c) => c.type === 'Available');
  const countsMatch = Object.entries(want).every(([field, value]) => (status[field] ?? 0) === value);
  if (countsMatch && available?.status === (ready ? 'True' : 'False') && available.message === message) return;
  const now = new Date().toISOString();
  const conditions = [
    { type: 'Available', status: ready ? 'True' : 'False', reason: ready ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message, lastUpdateTime: now, lastTransitionTime: now },
    { type: 'Progressing', status: 'True', reason: ready ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: ready ? 'istiod is ready.' : 'Waiting for istiod to be ready.', lastUpdateTime: now, lastTransitionTime: now },
  ];
  await client.call('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`, { status: { ...want, conditions } }, MERGE_PATCH);
}
