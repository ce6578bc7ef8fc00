/**
 * A cell's `istio-system/cacerts`: its own intermediate, issued from the shared root read
 * from the root's store inside this activity, written before istiod starts
 * (docs/domain-rules.md, "Pitfall: cacerts before istiod"). An existing secret is kept
 * while it chains to the root and has more than the margin left; anything else (a foreign
 * root, a near expiry) is replaced in one write. Its output records the intermediate it
 * holds, which a rotation keeps current (workflows/rotate-ca.ts): a drift check reports any
 * other intermediate, even one issued from the mesh root by hand, and an update writes a
 * new one.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { cacertsDrift, WRITTEN_INTERMEDIATE, type CacertsExpectation, type ObservedCacerts as JudgedCacerts } from '../../domain/cacerts-parameters.ts';
import type { FieldDrift } from '../../domain/drift.ts';
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
const REF = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: ISTIO_NAMESPACE } };

export interface ObservedCacerts {
  intermediateFingerprint?: string;
  notAfter?: string;
  /** Where the secret falls short of domain/cacerts-parameters.ts's rule; empty when it can stay as it is. */
  drift: FieldDrift[];
  /** What that was judged on: a drift check judges it again against the intermediate cellbridge wrote. */
  judged: { expected: CacertsExpectation; observed: JudgedCacerts };
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
    create: ({ params }) => write(params),
    // A new intermediate: what a repair of one replaced by hand, or a change of the key type or validity, needs.
    update: async (_observed, { params }) => void (await write(params)),
    phase: (observed) => (observed.drift.length > 0 ? { is: 'drifted', detail: observed.drift.map((d) => `${d.field}: ${d.actual}, expected ${d.expected}`).join('; ') } : ready()),
    drift: async ({ judged }, _node, _outputs, recorded) =>
      cacertsDrift({ ...judged.expected, writtenIntermediate: recorded?.attributes?.[WRITTEN_INTERMEDIATE] || undefined }, judged.observed),
    output: (observed) => ({ cloudId: `secrets/${ISTIO_NAMESPACE}/cacerts`, state: 'present', attributes: { [WRITTEN_INTERMEDIATE]: observed.intermediateFingerprint ?? '', notAfter: observed.notAfter ?? '' } }),
    async delete(_observed, { params }) {
      const config = await kube(params.cluster);
      if (config) await deleteObject(objectApi(config), REF);
    },
  };

  /** Answers the secret as the API server stored it, judged against the root just read: the confirming describe would read both again. */
  async function write(params: Params): Promise<ObservedCacerts> {
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
    const stored = await applyObject(objectApi(config), {
      ...REF,
      metadata: { ...REF.metadata, labels: { ...MANAGED_BY } },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    } as V1Secret);
    return judge(stored, rootCa.certPem, params.marginDays);
  }
}

async function judge(secret: V1Secret, rootPem: string, marginDays: number): Promise<ObservedCacerts> {
  const now = new Date();
  const expected = { rootFingerprint: inspectCertificate(rootPem).fingerprintSha256, marginDays, now };
  let cacerts;
  try {
    cacerts = readCacerts(secret.data);
  } catch (error) {
    const unreadable = { readable: false as const, problem: (error as Error).message };
    return { drift: cacertsDrift(expected, unreadable), judged: { expected, observed: unreadable } };
  }
  const info = inspectCertificate(cacerts.intermediate.certPem);
  const observed = {
    readable: true as const,
    rootFingerprints: cacerts.roots.map((r) => inspectCertificate(r).fingerprintSha256),
    intermediateFingerprint: info.fingerprintSha256,
    chainsToRoot: await verifiesAgainst(cacerts.intermediate.certPem, [rootPem], now),
    notAfter: info.notAfter,
  };
  return { intermediateFingerprint: info.fingerprintSha256, notAfter: info.notAfter, drift: cacertsDrift(expected, observed), judged: { expected, observed } };
}
