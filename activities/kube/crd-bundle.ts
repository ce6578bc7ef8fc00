/**
 * CRDs the worker carries beside the charts (the Gateway API's, which ambient mode
 * needs), applied server-side from its files: a megabyte of schema has no place in
 * workflow history. Ready when the CRDs cellbridge uses are Established.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAllYaml, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { applyObject, deleteObject, objectApi, readObject } from './objects.ts';

type Params = IstioParams['kube.crdBundle'];

const crdRef = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name } });

export function crdBundleHandler(kube: KubeAccess, dirs: Record<Params['bundle'], string>): ResourceHandler<Params, { established: string[]; missing: string[] }> {
  const load = async (bundle: Params['bundle']): Promise<KubernetesObject[]> => {
    const dir = dirs[bundle];
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
    return (await Promise.all(files.map(async (f) => loadAllYaml(await readFile(join(dir, f), 'utf8')) as KubernetesObject[]))).flat().filter((o) => o?.kind === 'CustomResourceDefinition');
  };
  return {
    async describe({ params }) {
      const config = await kube(params.cluster);
      if (!config) return undefined;
      const api = objectApi(config);
      const crds = await Promise.all(params.crds.map(async (name) => ({ name, crd: await readObject<V1CustomResourceDefinition>(api, crdRef(name)) })));
      if (crds.every((c) => !c.crd)) return undefined;
      const established = crds.filter((c) => c.crd?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')).map((c) => c.name);
      return { established, missing: params.crds.filter((n) => !established.includes(n)) };
    },
    async create({ params }) {
      const config = await reachKube(kube, params.cluster);
      const api = objectApi(config);
      for (const crd of await load(params.bundle)) await applyObject(api, crd);
    },
    phase: (observed) => (observed.missing.length === 0 ? ready() : { is: 'settling', detail: `not established yet: ${observed.missing.join(', ')}` }),
    output: (observed) => ({ cloudId: observed.established.join(', '), state: 'Established' }),
    async delete(_observed, { params }) {
      const config = await kube(params.cluster);
      if (!config) return;
      const api = objectApi(config);
      for (const crd of await load(params.bundle)) await deleteObject(api, crdRef(crd.metadata?.name ?? ''));
    },
  };
}
