/**
 * A cell's `istio-system/cacerts`: its own intermediate, issued from the shared root read
 * from the root's store inside this activity, written before istiod starts
 * (docs/domain-rules.md, "Pitfall: cacerts before istiod"). An existing secret is kept
 * while it chains to the root and has more than the margin left; anything else (a foreign
 * root, a near expiry) is replaced in one write.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import { cacertsData, readCacerts } from '../pki/cacerts.ts';
import { issueIntermediate } from '../pki/certificate-authority.ts';
import { inspectCertificate, verifiesAgainst } from '../pki/certificate-inspection.ts';
import { readRoot } from '../pki/root-store.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { MANAGED_BY } from './managed-by.ts';
import { applyObject, deleteObject, objectApi, readObject } from './objects.ts';

type Params = IstioParams['kube.cacerts'];
const DAY_MS = 86_400_000;
const REF = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: ISTIO_NAMESPACE } };

export interface ObservedCacerts {
  intermediateFingerprint?: string;
  notAfter?: string;
  /** Why the secret cannot stay as it is; absent when it can. */
  problem?: string;
}

export function cacertsHandler(clients: CloudClients, kube: KubeAccess): ResourceHandler<Params, ObservedCacerts> {
  const root = (p: Params) => readRoot(clients, p.cluster.scope.aws.region, p.rootSecret);
  return {
    async describe({ params }) {
      const config = await kube(params.cluster);
      const secret = config ? await readObject<V1Secret>(objectApi(config), REF) : undefined;
      if (!secret) return undefined;
      return judge(secret, (await root(params)).certPem, params.marginDays);
    },
    async create({ params }) {
      const config = await reachKube(kube, params.cluster);
      const rootCa = await root(params);
      const intermediate = await issueIntermediate({
        root: rootCa,
        mesh: params.mesh,
        cluster: params.cluster.clusterName,
        keyType: params.keyType,
        validityDays: params.validityDays,
        minimumDays: params.marginDays,
        now: new Date(),
      });
      const data = cacertsData({ intermediate, roots: [rootCa.certPem] });
      await applyObject(objectApi(config), {
        ...REF,
        metadata: { ...REF.metadata, labels: { ...MANAGED_BY } },
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      } as V1Secret);
    },
    phase: (observed) => (observed.problem ? { is: 'drifted', detail: observed.problem } : ready()),
    output: (observed) => ({ cloudId: `secrets/${ISTIO_NAMESPACE}/cacerts`, state: 'present', attributes: { intermediateFingerprintSha256: observed.intermediateFingerprint ?? '', notAfter: observed.notAfter ?? '' } }),
    async delete(_observed, { params }) {
      const config = await kube(params.cluster);
      if (config) await deleteObject(objectApi(config), REF);
    },
  };
}

async function judge(secret: V1Secret, rootPem: string, marginDays: number): Promise<ObservedCacerts> {
  let cacerts;
  try {
    cacerts = readCacerts(secret.data);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const info = inspectCertificate(cacerts.intermediate.certPem);
  const base = { intermediateFingerprint: info.fingerprintSha256, notAfter: info.notAfter };
  const now = new Date();
  if (!cacerts.roots.some((r) => inspectCertificate(r).fingerprintSha256 === inspectCertificate(rootPem).fingerprintSha256)) return { ...base, problem: 'root-cert.pem does not hold the mesh root' };
  if (!(await verifiesAgainst(cacerts.intermediate.certPem, [rootPem], now))) return { ...base, problem: 'the intermediate does not chain to the mesh root' };
  if (Date.parse(info.notAfter) - now.getTime() < marginDays * DAY_MS) return { ...base, problem: `the intermediate expires ${info.notAfter}, within the ${marginDays}-day margin` };
  return base;
}
