/**
 * Waits, for a bounded time, until a cluster shows through its Kubernetes API that istiod
 * picked up a cacerts write (domain/rotation-pickup.ts says what counts as evidence). The
 * workflow bounds the whole wait; one call stays well inside its activity timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import { pickupVerdict, type PickupEvidence, type PickupTarget, type PickupVerdict } from '../../domain/rotation-pickup.ts';
import { reachKube, type KubeAccess } from '../kube/cluster-credentials.ts';
import { objectApi, readObject } from '../kube/objects.ts';
import { deploymentReady } from '../kube/workload-readiness.ts';
import { inspectCertificate, splitPemBundle } from '../pki/certificate-inspection.ts';
import type { CacertsWriter } from './cacerts-writes.ts';

const POLL_MS = 1_000;

export async function awaitPickup(kube: KubeAccess, writer: CacertsWriter, input: PickupTarget & { cluster: ClusterRef; withinMs: number }): Promise<PickupVerdict> {
  const deadline = Date.now() + input.withinMs;
  for (;;) {
    const verdict = pickupVerdict(input, await observe(kube, writer, input.cluster));
    if (verdict.ok || Date.now() + POLL_MS > deadline) return verdict;
    await sleep(POLL_MS);
  }
}

async function observe(kube: KubeAccess, writer: CacertsWriter, cluster: ClusterRef): Promise<PickupEvidence> {
  const api = objectApi(await reachKube(kube, cluster));
  const [cacerts, rootConfigMap, istiod] = await Promise.all([
    writer.read(cluster).catch(() => undefined),
    readObject<V1ConfigMap>(api, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: ISTIO_NAMESPACE } }),
    readObject<V1Deployment>(api, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: ISTIO_NAMESPACE } }),
  ]);
  const published = rootConfigMap?.data?.['root-cert.pem'];
  return {
    cacerts,
    publishedRoots: published === undefined ? undefined : splitPemBundle(published).map((pem) => inspectCertificate(pem).fingerprintSha256),
    istiodReady: deploymentReady(istiod),
  };
}
