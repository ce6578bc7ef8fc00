/**
 * The failover drill's activities. Each is safe to run again: the probe is applied
 * server-side, removed by deleting its namespace, and each measurement starts from a state
 * it establishes itself (failover first restores the echo and waits for local service).
 * The workflow sees figures, identities and verdicts; the kubeconfigs stay here.
 */
import { Context } from '@temporalio/activity';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { crossCellCheck, identitiesSeen, phaseFigures, settled, type CrossCellCheck, type DrillSample, type PhaseFigures } from '../../domain/drill.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { PROBE_NAMES } from '../../domain/names.ts';
import { probeHosts, probeObjects, type ProbeOutlierDetection } from '../../domain/probe-plan.ts';
import { reachKube, type KubeAccess } from '../kube/cluster-credentials.ts';
import { applyObject, deleteObject, objectApi, readObject } from '../kube/objects.ts';
import { callOnce, controlEcho, probePod, type CallContext } from './probe-client.ts';

/** Answers in a row from where traffic should land before a phase counts as settled. */
const STREAK = 5;
/** Between two requests of a measurement: about ten a second, with the pod proxy's own latency. */
const GAP_MS = 50;
const WAIT_MS = 500;
/** Failed samples kept in a phase's figures as evidence. */
const KEPT_FAILURES = 20;

export interface PhaseResult {
  figures: PhaseFigures;
  identities: string[];
  /** Up to KEPT_FAILURES failed requests (when sent, status), as evidence. */
  failed: Pick<DrillSample, 'at' | 'status'>[];
}

interface Cells {
  cluster: ClusterRef;
  /** Every cell of the mesh, by name. */
  cells: string[];
  spec: Pick<MeshSpec, 'istio'>;
}

export function drillActivities(deps: { kube: KubeAccess }) {
  const context = async (input: Cells, withinMs: number): Promise<CallContext> => {
    const config = await reachKube(deps.kube, input.cluster);
    const clientPod = await until(withinMs, () => probePod(config, PROBE_NAMES.client));
    if (!clientPod) throw new Error(`cell ${input.cluster.cell}: the probe client has no running pod after ${withinMs} ms`);
    return { config, clientPod, spec: input.spec, cells: input.cells };
  };

  return {
    async deployProbe(input: { cluster: ClusterRef; image: string; outlier: ProbeOutlierDetection }): Promise<void> {
      const api = objectApi(await reachKube(deps.kube, input.cluster));
      for (const object of probeObjects({ name: input.cluster.cell }, input.image, input.outlier)) await applyObject(api, object as KubernetesObject);
    },

    /** Until a request from `from`'s client to `to`'s own echo is answered (or `withinMs`): what mutual TLS proved. */
    async crossCellCall(input: Cells & { to: string; withinMs: number }): Promise<CrossCellCheck> {
      const started = Date.now();
      const call = await context(input, input.withinMs);
      let sample: DrillSample;
      do {
        sample = await callOnce(call, probeHosts.of(input.to), started);
        if (sample.status === 200) break;
        await pause(WAIT_MS);
      } while (Date.now() - started < input.withinMs);
      return crossCellCheck(input.spec, input.cluster.cell, input.to, sample);
    },

    /**
     * From local service (restoring the echo first, so a retry starts over), degrades the
     * cell's echo and sends requests until STREAK in a row are answered by another cell, or `maxMs`.
     */
    async measureFailover(input: Cells & { maxMs: number }): Promise<PhaseResult> {
      const call = await context(input, input.maxMs);
      const own = (cell: string | undefined) => cell === input.cluster.cell;
      const elsewhere = (cell: string | undefined) => cell !== undefined && !own(cell);
      await controlEcho(call.config, 'restore');
      const baselineAt = Date.now();
      const baseline = await sample(call, baselineAt, own, input.maxMs);
      if (!settled(baseline, own, STREAK)) throw new Error(`cell ${input.cluster.cell}: its own echo did not answer ${STREAK} requests in a row before the drill degraded it`);
      const degradedAt = Date.now();
      await controlEcho(call.config, 'degrade');
      const after = await sample(call, degradedAt, elsewhere, input.maxMs);
      // The baseline's last requests go in as sent before the degrade (negative times).
      return result([...baseline.slice(-STREAK).map((s) => ({ ...s, at: s.at - (degradedAt - baselineAt) })), ...after], elsewhere);
    },

    /** Heals the cell's echo and sends requests until STREAK in a row are answered by it again, or `maxMs`. */
    async measureFailback(input: Cells & { maxMs: number }): Promise<PhaseResult> {
      const call = await context(input, input.maxMs);
      const own = (cell: string | undefined) => cell === input.cluster.cell;
      const restoredAt = Date.now();
      await controlEcho(call.config, 'restore');
      return result(await sample(call, restoredAt, own, input.maxMs), own);
    },

    /** Heals the echo if it can (a drill that failed midway), then deletes the probe's namespace and waits for it to go. */
    async removeProbe(input: { cluster: ClusterRef; withinMs: number }): Promise<{ removed: boolean }> {
      const config = await deps.kube(input.cluster);
      if (!config) return { removed: true };
      await controlEcho(config, 'restore').catch(() => undefined);
      const api = objectApi(config);
      const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROBE_NAMES.namespace } };
      await deleteObject(api, namespace);
      const gone = await until(input.withinMs, async () => ((await readObject(api, namespace)) ? undefined : true));
      return { removed: gone === true };
    },
  };
}

/** Requests to the shared echo host, timed from `origin`, until STREAK in a row land where `target` says, or `maxMs`. */
async function sample(call: CallContext, origin: number, target: (cell: string | undefined) => boolean, maxMs: number): Promise<DrillSample[]> {
  const samples: DrillSample[] = [];
  const ctx = Context.current();
  while (!settled(samples, target, STREAK) && Date.now() - origin < maxMs) {
    samples.push(await callOnce(call, probeHosts.shared(), origin));
    ctx.heartbeat({ requests: samples.length });
    await pause(GAP_MS);
  }
  return samples;
}

function result(samples: DrillSample[], target: (cell: string | undefined) => boolean): PhaseResult {
  return {
    figures: phaseFigures(samples, target),
    identities: identitiesSeen(samples),
    failed: samples.filter((s) => s.status !== 200).slice(0, KEPT_FAILURES).map((s) => ({ at: s.at, status: s.status })),
  };
}

async function until<T>(withinMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined || Date.now() >= deadline) return value;
    Context.current().heartbeat();
    await pause(WAIT_MS);
  }
}

const pause = (ms: number) => Context.current().sleep(ms);

