/**
 * The activities of CA rotation. Keys move only between the secret store and the
 * clusters inside these activities; the workflow sees fingerprints and verdicts.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import type { KeyType, MeshSpec } from '../../domain/mesh-spec.ts';
import type { NamingVersion } from '../../domain/names.ts';
import type { RotatedCacerts } from '../../domain/rotation.ts';
import type { CloudClients } from '../cloud-clients.ts';
import type { KubeAccess } from '../kube/cluster-credentials.ts';
import { objectApi, readObject } from '../kube/objects.ts';
import { deploymentReady } from '../kube/workload-readiness.ts';
import { rotationTrust } from '../../domain/next-root.ts';
import { inspectCertificate } from '../pki/certificate-inspection.ts';
import { readRoot } from '../pki/root-store.ts';
import { CacertsWriter, type CacertsState } from './cacerts-writes.ts';
import { MeshLock } from './mesh-lock.ts';
import { awaitPickup } from './pickup.ts';
import { RootSuccession } from './root-succession.ts';
import { RotationSchedules } from './schedule.ts';
import { RotationStarter } from './start.ts';

export interface Issuing {
  cluster: ClusterRef;
  mesh: string;
  rootSecret: string;
  keyType: KeyType;
  validityDays: number;
  marginDays: number;
  step: string;
}

export interface ClusterCheck {
  ok: boolean;
  problem?: string;
}

export function rotationActivities(deps: { clients: CloudClients; kube: KubeAccess; temporal: { client: Client; taskQueue: string } }) {
  const writer = new CacertsWriter(deps.kube);
  const succession = new RootSuccession(deps.clients);
  const lock = new MeshLock(deps.temporal.client);
  const schedules = new RotationSchedules(deps.temporal.client, deps.temporal.taskQueue);
  const starter = new RotationStarter(deps.temporal.client, deps.temporal.taskQueue);
  const region = (c: ClusterRef) => c.scope.aws.region;
  /**
   * The roots a root rotation writes to a cluster: `wanted`, and unless the write narrows
   * trust to the new root (phase 3), every other root the cluster trusts now — a next root
   * of another key type that a failed rotation left may still sign there (domain/next-root.ts).
   */
  const trustBundle = async (cluster: ClusterRef, wanted: string[], narrow: boolean): Promise<string[]> => {
    const now = narrow ? [] : ((await writer.trustedRoots(cluster)) ?? []);
    const fingerprint = (pem: string) => inspectCertificate(pem).fingerprintSha256;
    const byFingerprint = new Map([...now, ...wanted].map((pem) => [fingerprint(pem), pem]));
    return rotationTrust(wanted.map(fingerprint), now.map(fingerprint), narrow).map((f) => byFingerprint.get(f)!);
  };
  return {
    claimRotation: (input: { meshWorkflowId: string; rotationId: string }) => lock.claim(input.meshWorkflowId, input.rotationId),
    releaseRotation: (input: { meshWorkflowId: string; rotationId: string; cacerts?: RotatedCacerts }) => lock.release(input.meshWorkflowId, input.rotationId, input.cacerts),
    rotationRunning: (input: { rotationId: string }) => lock.running(input.rotationId),
    ensureRotationSchedule: (spec: MeshSpec, naming?: NamingVersion) => schedules.ensure(spec, naming ?? 1),
    startRootRotation: (input: { spec: MeshSpec; naming: NamingVersion; rotationId: string }) => starter.startRoot(input.spec, input.naming, input.rotationId),
    deleteRotationSchedule: (mesh: string) => schedules.remove(mesh),

    /** Intermediate rotation: a new intermediate from the same root, trust unchanged. */
    async rotateIntermediate(input: Issuing): Promise<CacertsState> {
      const root = await readRoot(deps.clients, region(input.cluster), input.rootSecret);
      // Keep whatever the cluster trusts now: during a root rotation that is both roots.
      const trusted = (await writer.trustedRoots(input.cluster)) ?? [root.certPem];
      return writer.switchSigner({ ...input, issuer: root, roots: trusted });
    },
    restoreCacerts: (input: { cluster: ClusterRef; step: string }) => writer.restore(input.cluster, input.step),
    /** The cluster serves what the rotation wrote, and istiod is up after its reload. */
    async checkCluster(input: { cluster: ClusterRef; intermediateFingerprint: string; rootFingerprints: string[] }): Promise<ClusterCheck> {
      const state = await writer.read(input.cluster);
      if (!state) return { ok: false, problem: 'cacerts is missing' };
      if (state.intermediateFingerprint !== input.intermediateFingerprint) return { ok: false, problem: `cacerts holds intermediate ${state.intermediateFingerprint}, not ${input.intermediateFingerprint}` };
      if (state.rootFingerprints.join(',') !== input.rootFingerprints.join(',')) return { ok: false, problem: `cacerts trusts ${state.rootFingerprints.join(', ')}, not ${input.rootFingerprints.join(', ')}` };
      const config = await deps.kube(input.cluster);
      const istiod = config ? await readObject<V1Deployment>(objectApi(config), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: ISTIO_NAMESPACE } }) : undefined;
      if (!deploymentReady(istiod)) return { ok: false, problem: 'istiod is not ready after the reload' };
      return { ok: true };
    },

    /** Up to `withinMs`, until the cluster shows istiod took the write (domain/rotation-pickup.ts). */
    awaitPickup: (input: { cluster: ClusterRef; intermediateFingerprint: string; rootFingerprints: string[]; withinMs: number }): Promise<ClusterCheck> => awaitPickup(deps.kube, writer, input),

    /** Root rotation. */
    prepareNextRoot: (input: { region: string; rootSecret: string; mesh: string; keyType: KeyType; validityDays: number }) =>
      succession.prepare(input.region, input.rootSecret, input),
    async setTrust(input: { cluster: ClusterRef; rootSecret: string; roots: ('current' | 'next')[]; step: string }): Promise<CacertsState> {
      const roots = await succession.roots(region(input.cluster), input.rootSecret);
      // Phase 3 asks for the next root alone: then the bundle is exactly that.
      const narrow = !input.roots.includes('current');
      return writer.setTrustBundle({ cluster: input.cluster, step: input.step, roots: await trustBundle(input.cluster, input.roots.map((r) => roots[r].certPem), narrow) });
    },
    async signWithNextRoot(input: Issuing): Promise<CacertsState> {
      const roots = await succession.roots(region(input.cluster), input.rootSecret);
      return writer.switchSigner({ ...input, issuer: roots.next, roots: await trustBundle(input.cluster, [roots.current.certPem, roots.next.certPem], false) });
    },
    promoteNextRoot: (input: { region: string; rootSecret: string }) => succession.promote(input.region, input.rootSecret),
  };
}

export type RotationActivities = ReturnType<typeof rotationActivities>;
