/** `istio-system`, labelled with the cell's Istio network: istiod reads the label to place the cluster. */
import type { V1Namespace } from '@kubernetes/client-node';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { ISTIO_NAMESPACE, NETWORK_LABEL } from '../../domain/istio-install.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { applyObject, deleteObject, objectApi, readObject } from './objects.ts';
import { MANAGED_BY } from './managed-by.ts';

type Params = IstioParams['kube.istioNamespace'];
const REF = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } };

export function istioNamespaceHandler(kube: KubeAccess): ResourceHandler<Params, V1Namespace> {
  return {
    async describe({ params }) {
      const config = await kube(params.cluster);
      return config ? readObject<V1Namespace>(objectApi(config), REF) : undefined;
    },
    async create({ params }) {
      const config = await reachKube(kube, params.cluster);
      await applyObject(objectApi(config), { ...REF, metadata: { name: ISTIO_NAMESPACE, labels: { [NETWORK_LABEL]: params.network, ...MANAGED_BY } } });
    },
    phase: (ns, { params }) => {
      if (ns.metadata?.deletionTimestamp) return { is: 'deleting' };
      const label = ns.metadata?.labels?.[NETWORK_LABEL];
      return label === params.network ? ready() : { is: 'drifted', detail: `network label is ${label ?? 'missing'}, the spec says ${params.network}` };
    },
    output: (ns) => ({ cloudId: `namespaces/${ns.metadata?.name}`, state: ns.status?.phase ?? 'Active' }),
    async delete(_ns, { params }) {
      const config = await kube(params.cluster);
      if (config) await deleteObject(objectApi(config), REF);
    },
  };
}
