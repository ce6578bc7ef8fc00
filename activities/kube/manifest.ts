/** Plain Istio objects (the cross-network Gateway, DestinationRules), applied server-side in one cell. */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { manifestDrift, objectLabel } from '../../domain/manifest-parameters.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { applyObject, deleteObject, objectApi, readObject, type ObjectRef } from './objects.ts';

type Params = IstioParams['kube.manifest'];

export interface ObservedManifest {
  present: string[];
  missing: string[];
}

const label = (o: ObjectRef) => objectLabel(o);

export function manifestHandler(kube: KubeAccess): ResourceHandler<Params, ObservedManifest> {
  return {
    async describe({ params }) {
      const config = await kube(params.cluster);
      if (!config) return undefined;
      const api = objectApi(config);
      const found = await Promise.all(params.objects.map(async (o) => ((await readObject(api, o as ObjectRef)) ? label(o as ObjectRef) : undefined)));
      const present = found.filter((f): f is string => f !== undefined);
      return present.length === 0 ? undefined : { present, missing: params.objects.map((o) => label(o as ObjectRef)).filter((l) => !present.includes(l)) };
    },
    async create({ params }) {
      const config = await reachKube(kube, params.cluster);
      const api = objectApi(config);
      for (const object of params.objects) await applyObject(api, object as KubernetesObject);
    },
    // The new objects applied, then those the previous params had and these do not deleted (a traffic policy removed).
    async update(_observed, { params }, previous) {
      const config = await reachKube(kube, params.cluster);
      const api = objectApi(config);
      for (const object of params.objects) await applyObject(api, object as KubernetesObject);
      const kept = new Set(params.objects.map((o) => label(o as ObjectRef)));
      for (const object of previous.params.objects) if (!kept.has(label(object as ObjectRef))) await deleteObject(api, object as ObjectRef);
    },
    async drift(_observed, { params }) {
      const api = objectApi(await reachKube(kube, params.cluster));
      const objects = await Promise.all(params.objects.map((o) => readObject(api, o as ObjectRef)));
      return manifestDrift(params.objects, objects as (Record<string, unknown> | undefined)[]);
    },
    phase: (observed) => (observed.missing.length === 0 ? ready() : { is: 'drifted', detail: `missing: ${observed.missing.join(', ')}` }),
    output: (observed) => ({ cloudId: observed.present.join(', '), state: 'applied' }),
    async delete(_observed, { params }) {
      const config = await kube(params.cluster);
      if (!config) return;
      const api = objectApi(config);
      for (const object of params.objects) await deleteObject(api, object as ObjectRef);
    },
  };
}
