/**
 * CA rotation of one mesh, as the runbook of (docs/domain-rules.md, "Plugged-in CA and
 * rotation") says. It first claims the mesh (refused while the mesh is provisioning,
 * tearing down or already rotating), and lets go at the end whatever happened.
 * - intermediate: one cluster at a time — new intermediate from the same root in one
 *   write, wait for istiod to reload, check; a failure restores that cluster's previous
 *   intermediate and stops, leaving the rest untouched.
 * - root: three phases, each finished in every cluster before any cluster starts the
 *   next: trust old + new roots; sign with the new root (then wait one workload
 *   certificate lifetime); trust only the new root. Then the new root replaces the old in
 *   the secret store, and the old key is retired.
 * When it lets go, it tells the mesh what each cacerts now holds (the last write or restore
 * it saw per cluster), so the mesh's drift check expects the rotated intermediate.
 */
import { ApplicationFailure, CancellationScope, defineQuery, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { CacertsState } from '../activities/rotation/cacerts-writes.ts';
import type { ClusterCheck, RotationActivities } from '../activities/rotation/index.ts';
import { meshScope } from '../domain/backbone-graph.ts';
import { clusterRef, type ClusterRef } from '../domain/cluster-graph.ts';
import { rootSecretOf } from '../domain/istio-graph.ts';
import { meshWorkflowId } from '../domain/mesh-status.ts';
import { rotationActivitySummary as says } from '../domain/activity-summary.ts';
import { ROTATION_QUERY, type RotatedCacerts, type RotationInput, type RotationProgress } from '../domain/rotation.ts';
import { ROTATION_PICKUP_EVIDENCE_PATCH } from './patches.ts';
import { errorMessage } from './saga.ts';

export const progressQuery = defineQuery<RotationProgress>(ROTATION_QUERY);

// Each step is a few API calls: a short timeout lets a new worker take over soon after one dies.
const acts = proxyActivities<RotationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

export async function rotateCa({ spec, kind, naming = 1 }: RotationInput): Promise<RotationProgress> {
  const rotationId = workflowInfo().workflowId;
  const mesh = meshWorkflowId(spec.name);
  const cells = (spec.cells ?? []).map((cell) => clusterRef(meshScope(spec, naming), cell));
  const progress: RotationProgress = { mesh: spec.name, kind, phase: 'claiming', clusters: Object.fromEntries(cells.map((c) => [c.cell, 'pending'])) };
  setHandler(progressQuery, () => progress);
  const cacerts: RotatedCacerts = {};
  const wrote: Wrote = (cluster, state) => {
    if (state) cacerts[cluster.cell] = { intermediateFingerprint: state.intermediateFingerprint, notAfter: state.notAfter };
    return state;
  };

  const what = `${kind} CA rotation`;
  // Every call carries the Web UI's line for it (domain/activity-summary.ts); replay does not compare it.
  await acts.claimRotation.executeWithOptions({ summary: says.claim(spec.name, what) }, [{ meshWorkflowId: mesh, rotationId }]);
  try {
    if (kind === 'intermediate') await rotateIntermediates(spec, cells, rotationId, progress, wrote);
    else await rotateRoot(spec, cells, rotationId, progress, wrote);
    progress.phase = 'done';
    return progress;
  } catch (error) {
    progress.phase = 'failed';
    progress.error = errorMessage(error);
    throw ApplicationFailure.nonRetryable(`${kind} rotation of mesh ${spec.name} failed: ${progress.error}`, 'RotationFailed');
  } finally {
    const release = { meshWorkflowId: mesh, rotationId, ...(Object.keys(cacerts).length > 0 ? { cacerts } : {}) };
    await CancellationScope.nonCancellable(() => acts.releaseRotation.executeWithOptions({ summary: says.release(spec.name, what) }, [release]));
  }
}

type Spec = RotationInput['spec'];
/** Notes what a cluster's cacerts holds after a write or a restore. */
type Wrote = <S extends CacertsState | undefined>(cluster: ClusterRef, state: S) => S;

function issuing(spec: Spec, cluster: ClusterRef, step: string) {
  return { cluster, mesh: spec.name, rootSecret: rootSecretOf(spec), keyType: spec.pki.keyType, validityDays: spec.pki.intermediateValidityDays, marginDays: spec.pki.verificationMarginDays, step };
}

async function rotateIntermediates(spec: Spec, cells: ClusterRef[], rotationId: string, progress: RotationProgress, wrote: Wrote): Promise<void> {
  progress.phase = 'intermediates';
  for (const cluster of cells) {
    const step = `${rotationId}/intermediate/${cluster.cell}`;
    progress.clusters[cluster.cell] = 'rotating';
    try {
      const written = wrote(cluster, await acts.rotateIntermediate.executeWithOptions({ summary: says.rotateIntermediate(cluster) }, [issuing(spec, cluster, step)]));
      await confirm(spec, cluster, written, progress);
    } catch (error) {
      wrote(cluster, await acts.restoreCacerts.executeWithOptions({ summary: says.restoreCacerts(cluster) }, [{ cluster, step }]));
      progress.clusters[cluster.cell] = 'restored';
      throw ApplicationFailure.nonRetryable(`cluster ${cluster.cell}: ${errorMessage(error)}; its previous intermediate is back, later clusters were not touched`, 'RotationFailed');
    }
    progress.clusters[cluster.cell] = 'done';
  }
}

async function rotateRoot(spec: Spec, cells: ClusterRef[], rotationId: string, progress: RotationProgress, wrote: Wrote): Promise<void> {
  if (spec.pki.rootSecret) throw ApplicationFailure.nonRetryable('the mesh uses a root supplied by reference (pki.rootSecret); rotating it is its owner\'s decision', 'UserRoot');
  const region = spec.aws.region;
  const rootSecret = rootSecretOf(spec);
  await acts.prepareNextRoot.executeWithOptions({ summary: says.prepareNextRoot(spec.name, spec.pki.keyType) }, [{ region, rootSecret, mesh: spec.name, keyType: spec.pki.keyType, validityDays: spec.pki.rootValidityDays }]);

  const everywhere = async (phase: RotationProgress['phase'], write: (cluster: ClusterRef, step: string) => Promise<CacertsState>) => {
    progress.phase = phase;
    for (const c of cells) progress.clusters[c.cell] = 'rotating';
    await Promise.all(cells.map(async (cluster) => confirm(spec, cluster, wrote(cluster, await write(cluster, `${rotationId}/${phase}/${cluster.cell}`)), progress)));
    for (const c of cells) progress.clusters[c.cell] = 'done';
  };
  const setTrust = (cluster: ClusterRef, step: string, roots: ('current' | 'next')[]) =>
    acts.setTrust.executeWithOptions({ summary: says.setTrust(cluster, roots) }, [{ cluster, rootSecret, roots, step }]);
  await everywhere('trust-both-roots', (cluster, step) => setTrust(cluster, step, ['current', 'next']));
  await everywhere('sign-with-new-root', (cluster, step) => acts.signWithNextRoot.executeWithOptions({ summary: says.signWithNextRoot(cluster) }, [issuing(spec, cluster, step)]));
  // Workload certificates issued under the old root live out their TTL before that root goes.
  await sleep(spec.pki.rotation.workloadCertTtlSeconds * 1000);
  await everywhere('trust-new-root-only', (cluster, step) => setTrust(cluster, step, ['next']));
  progress.phase = 'retiring-old-root';
  await acts.promoteNextRoot.executeWithOptions({ summary: says.promoteNextRoot(region) }, [{ region, rootSecret }]);
}

/** Waits until the cluster shows istiod took the write, for at most pickupSeconds. */
async function confirm(spec: Spec, cluster: ClusterRef, written: CacertsState, progress: RotationProgress): Promise<void> {
  progress.clusters[cluster.cell] = 'waiting-pickup';
  let check: ClusterCheck;
  if (patched(ROTATION_PICKUP_EVIDENCE_PATCH)) {
    check = await pickedUp(cluster, written, spec.pki.rotation.pickupSeconds * 1000);
  } else {
    // Histories recorded before the patch: a fixed wait, then one check of cacerts and istiod's readiness.
    await sleep(spec.pki.rotation.pickupSeconds * 1000);
    progress.clusters[cluster.cell] = 'verifying';
    check = await acts.checkCluster.executeWithOptions({ summary: says.checkCluster(cluster) }, [{ cluster, ...written }]);
  }
  if (!check.ok) throw ApplicationFailure.nonRetryable(`cluster ${cluster.cell} after the write: ${check.problem}`, 'RotationCheckFailed');
}

/** Each call waits inside its activity timeout; the loop stretches that to the whole bound in workflow time. */
const PICKUP_CALL_MS = 15_000;

async function pickedUp(cluster: ClusterRef, written: CacertsState, boundMs: number): Promise<ClusterCheck> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const withinMs = Math.max(0, Math.min(PICKUP_CALL_MS, deadline - Date.now()));
    const check = await acts.awaitPickup.executeWithOptions({ summary: says.awaitPickup(cluster) }, [{ cluster, ...written, withinMs }]);
    if (check.ok || Date.now() >= deadline) return check;
  }
}
