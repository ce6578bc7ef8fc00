/**
 * The failover drill of one mesh, as a runbook: claim the mesh (as a rotation does: never
 * beside a rotation, a teardown or another drill), deploy the probe into every cell, check
 * that every cell reaches every other cell's echo with mutual TLS, degrade the echo in one
 * cell and measure how long until its requests are served by another cloud, heal it and
 * measure how long until they are served locally again, remove the probe, let go of the
 * mesh. The report is the workflow's result and its query.
 */
import { ApplicationFailure, CancellationScope, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { drillActivities } from '../activities/drill/index.ts';
import type { rotationActivities } from '../activities/rotation/index.ts';
import { meshScope } from '../domain/backbone-graph.ts';
import { clusterRef, type ClusterRef } from '../domain/cluster-graph.ts';
import { drillActivitySummary as says, rotationActivitySummary } from '../domain/activity-summary.ts';
import { DRILL_QUERY, type DrillInput, type DrillPhase, type DrillProgress, type DrillReport } from '../domain/drill.ts';
import { meshWorkflowId } from '../domain/mesh-status.ts';
import { DRILL_OUTLIER_DETECTION } from '../domain/probe-plan.ts';
import { errorMessage } from './saga.ts';

type Activities = ReturnType<typeof drillActivities> & Pick<ReturnType<typeof rotationActivities>, 'claimRotation' | 'releaseRotation'>;

export const drillQuery = defineQuery<DrillProgress>(DRILL_QUERY);

/** How long the probe may take to come up and reach across; a measurement's bound. */
const REACH_MS = 120_000;
const MEASURE_MS = 90_000;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
// Measurements send requests for up to MEASURE_MS (and the probe's first reach up to REACH_MS), heartbeating each one.
const measuring = proxyActivities<Activities>({
  startToCloseTimeout: `${(REACH_MS + MEASURE_MS * 2) / 1000}s`,
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

export async function runDrill({ spec, naming = 1, cell, image }: DrillInput): Promise<DrillReport> {
  const drillId = workflowInfo().workflowId;
  const mesh = meshWorkflowId(spec.name);
  const clusters = spec.cells.map((c) => clusterRef(meshScope(spec, naming), c));
  const cells = clusters.map((c) => c.cell);
  const degraded = clusters.find((c) => c.cell === cell);
  if (!degraded) throw ApplicationFailure.nonRetryable(`mesh ${spec.name} has no cell ${cell}`, 'NoSuchCell');
  const outlier = DRILL_OUTLIER_DETECTION;
  const report: DrillReport = {
    mesh: spec.name, degradedCell: cell, requestsSent: 0, failures: 0, failuresOutsideWindows: 0, crossCell: [], identitiesSeen: [], outlierDetection: outlier,
  };
  const progress: DrillProgress = { mesh: spec.name, drillId, cell, phase: 'claiming', startedAt: new Date().toISOString(), timeline: [], report };
  setHandler(drillQuery, () => progress);
  const enter = (phase: DrillPhase) => {
    progress.phase = phase;
    progress.timeline.push({ phase, at: new Date().toISOString() });
  };
  enter('claiming');
  const of = (c: ClusterRef) => ({ cluster: c, cells, spec: { istio: spec.istio } });

  // Every call carries the Web UI's line for it (domain/activity-summary.ts); replay does not compare it.
  await acts.claimRotation.executeWithOptions({ summary: rotationActivitySummary.claim(spec.name, 'failover drill') }, [{ meshWorkflowId: mesh, rotationId: drillId }]);
  try {
    enter('deploying');
    await Promise.all(clusters.map((c) => acts.deployProbe.executeWithOptions({ summary: says.deployProbe(c) }, [{ cluster: c, image, outlier }])));

    enter('checking-mtls');
    const pairs = clusters.flatMap((from) => cells.filter((to) => to !== from.cell).map((to) => ({ from, to })));
    report.crossCell = await Promise.all(pairs.map(({ from, to }) => measuring.crossCellCall.executeWithOptions({ summary: says.crossCellCall(from, to) }, [{ ...of(from), to, withinMs: REACH_MS }])));
    const broken = report.crossCell.filter((c) => !c.mutualTls);
    if (broken.length > 0) throw ApplicationFailure.nonRetryable(`no mutual TLS from ${broken.map((c) => `${c.from} to ${c.to} (status ${c.status}, server saw ${c.peerSeen ?? 'no client certificate'})`).join(', ')}`, 'NoMutualTls');

    enter('failing-over');
    const failover = await measuring.measureFailover.executeWithOptions({ summary: says.measureFailover(degraded) }, [{ ...of(degraded), maxMs: MEASURE_MS }]);
    report.failover = failover.figures;
    if (failover.figures.settledMs === undefined) throw ApplicationFailure.nonRetryable(`requests from ${cell} were not served by another cell within ${MEASURE_MS} ms of its echo degrading`, 'NoFailover');

    enter('failing-back');
    const failback = await measuring.measureFailback.executeWithOptions({ summary: says.measureFailback(degraded) }, [{ ...of(degraded), maxMs: MEASURE_MS }]);
    report.failback = failback.figures;
    if (failback.figures.settledMs === undefined) throw ApplicationFailure.nonRetryable(`requests from ${cell} did not return to its own echo within ${MEASURE_MS} ms of its healing`, 'NoFailback');

    Object.assign(report, {
      failoverMs: failover.figures.settledMs,
      failbackMs: failback.figures.settledMs,
      requestsSent: failover.figures.requests + failback.figures.requests,
      failures: failover.figures.failures + failback.figures.failures,
      failuresOutsideWindows: failover.figures.failuresOutsideWindow + failback.figures.failuresOutsideWindow,
      identitiesSeen: [...new Set([...report.crossCell.filter((c) => c.peerSeen && c.server).map((c) => `${c.peerSeen} -> ${c.server}`), ...failover.identities, ...failback.identities])].sort(),
    });
    enter('removing');
    await removeProbe(clusters);
    enter('done');
    return report;
  } catch (error) {
    progress.error = errorMessage(error);
    await CancellationScope.nonCancellable(() => removeProbe(clusters)).catch(() => undefined);
    enter('failed');
    throw ApplicationFailure.nonRetryable(`drill of mesh ${spec.name} failed: ${progress.error}`, 'DrillFailed', report);
  } finally {
    progress.finishedAt = new Date().toISOString();
    await CancellationScope.nonCancellable(() => acts.releaseRotation.executeWithOptions({ summary: rotationActivitySummary.release(spec.name, 'failover drill') }, [{ meshWorkflowId: mesh, rotationId: drillId }]));
  }
}

async function removeProbe(clusters: ClusterRef[]): Promise<void> {
  await Promise.all(clusters.map((c) => acts.removeProbe.executeWithOptions({ summary: says.removeProbe(c) }, [{ cluster: c, withinMs: 30_000 }])));
}
