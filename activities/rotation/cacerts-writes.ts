/**
 * The writes of a CA rotation to one cluster's `istio-system/cacerts`, each a single
 * update (istiod reloads the secret as a whole) and each idempotent: a retried activity
 * recognises its own write by the rotation step recorded in an annotation. Before a
 * cluster's signer changes, the previous secret is kept as `cacerts-previous`, so a
 * failed rotation can put the old, still valid intermediate back.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import type { KeyType } from '../../domain/mesh-spec.ts';
import { cacertsData, readCacerts } from '../pki/cacerts.ts';
import { issueIntermediate, type CaKeyPair } from '../pki/certificate-authority.ts';
import { inspectCertificate } from '../pki/certificate-inspection.ts';
import { reachKube, type KubeAccess } from '../kube/cluster-credentials.ts';
import { applyObject, objectApi, readObject } from '../kube/objects.ts';

const STEP_ANNOTATION = 'cellbridge.io/rotation-step';
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ISTIO_NAMESPACE } });

export interface CacertsState {
  intermediateFingerprint: string;
  rootFingerprints: string[];
  notAfter: string;
}

interface Target {
  cluster: ClusterRef;
  /** Unique per write of a rotation (e.g. `<rotation id>/phase-2`), for idempotency. */
  step: string;
}

export class CacertsWriter {
  constructor(private readonly kube: KubeAccess) {}

  /** A new intermediate from `issuer`, trusted roots `roots` (in order), written in one update. */
  async switchSigner(target: Target & { issuer: CaKeyPair; roots: string[]; mesh: string; keyType: KeyType; validityDays: number; marginDays: number }): Promise<CacertsState> {
    const { api, current } = await this.current(target.cluster);
    if (current?.metadata?.annotations?.[STEP_ANNOTATION] === target.step) return state(current);
    if (current) await applyObject(api, { ...ref('cacerts-previous'), type: 'Opaque', data: current.data } as V1Secret);
    const intermediate = await issueIntermediate({
      root: target.issuer, mesh: target.mesh, cluster: target.cluster.clusterName, keyType: target.keyType,
      validityDays: target.validityDays, minimumDays: target.marginDays, now: new Date(),
    });
    return state(await this.write(api, target.step, cacertsData({ intermediate, roots: target.roots })));
  }

  /** Only the trust bundle changes; the cluster keeps signing with its current intermediate. */
  async setTrustBundle(target: Target & { roots: string[] }): Promise<CacertsState> {
    const { api, current } = await this.current(target.cluster);
    if (!current) throw new Error(`${target.cluster.clusterName} has no cacerts`);
    if (current.metadata?.annotations?.[STEP_ANNOTATION] === target.step) return state(current);
    const { intermediate } = readCacerts(current.data);
    return state(await this.write(api, target.step, cacertsData({ intermediate, roots: target.roots })));
  }

  /** Puts `cacerts-previous` back (after a failed switch); a no-op when there is none. */
  async restore(cluster: ClusterRef, step: string): Promise<CacertsState | undefined> {
    const { api, current } = await this.current(cluster);
    const previous = await readObject<V1Secret>(api, ref('cacerts-previous'));
    if (!previous?.data || current?.metadata?.annotations?.[STEP_ANNOTATION] !== step) return current ? state(current) : undefined;
    return state(await applyObject(api, { ...ref('cacerts'), metadata: { ...ref('cacerts').metadata, annotations: { [STEP_ANNOTATION]: `${step}/restored` } }, type: 'Opaque', data: previous.data } as V1Secret));
  }

  /** root-cert.pem as it is now, or undefined without a cacerts. */
  async trustedRoots(cluster: ClusterRef): Promise<string[] | undefined> {
    const { current } = await this.current(cluster);
    return current ? readCacerts(current.data).roots : undefined;
  }

  async read(cluster: ClusterRef): Promise<CacertsState | undefined> {
    const { current } = await this.current(cluster);
    return current ? state(current) : undefined;
  }

  private async current(cluster: ClusterRef) {
    const config = await reachKube(this.kube, cluster);
    const api = objectApi(config);
    return { api, current: await readObject<V1Secret>(api, ref('cacerts')) };
  }

  private write(api: ReturnType<typeof objectApi>, step: string, data: Record<string, string>): Promise<V1Secret> {
    return applyObject(api, {
      ...ref('cacerts'),
      metadata: { ...ref('cacerts').metadata, annotations: { [STEP_ANNOTATION]: step } },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    } as V1Secret);
  }
}

function state(secret: V1Secret): CacertsState {
  const cacerts = readCacerts(secret.data);
  const intermediate = inspectCertificate(cacerts.intermediate.certPem);
  return {
    intermediateFingerprint: intermediate.fingerprintSha256,
    notAfter: intermediate.notAfter,
    rootFingerprints: cacerts.roots.map((r) => inspectCertificate(r).fingerprintSha256),
  };
}
