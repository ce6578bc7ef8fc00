/**
 * Crash anywhere (`npm run chaos`, not `npm test`: the name does not end in .test.ts, since
 * a run takes tens of minutes). On one stack whose Temporal keeps its state in a file:
 *
 * - the crash table: the worker runs as its own process and is killed (SIGKILL) at
 *   CRASH_KILLS (default 20) points spread over a full mesh's provisioning, a root rotation
 *   and the teardown, and a new worker is started each time. A point is "the k-th activity
 *   Temporal shows started since the last kill, retries of earlier ones not counted", k drawn
 *   from CRASH_SEED (printed; replays the same draws, though not the same timing) between 1
 *   and what spreads a stage's points over the activities a kill-free run of it started. Each stage is judged from the clouds: Ready with every resource
 *   exactly as often as a kill-free run holds it, the rotation done with the same, Deleted
 *   with nothing of the mesh in either emulator or the kube pool;
 * - the Temporal server killed (SIGKILL) mid-provisioning and started again on its ports and
 *   its database file: the run still ends Ready with nothing twice;
 * - a total outage of both clouds' APIs (every AWS and ARM call answered 500) for
 *   CRASH_OUTAGE_SECONDS (default 60) of wall-clock time mid-provisioning: the run rides it
 *   out and ends Ready with nothing twice.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { RunningProcess } from '../../sim/child-process.ts';
import { faultsFired, injectFault } from '../../sim/controls.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct, startStack, type Endpoints, type Stack } from '../../sim/stack.ts';
import { writeWorkflowBundle } from '../../worker/workflow-code.ts';
import { api, exampleSpec, TEST_TIME_SCALE, waitForPhase } from '../support/stack.ts';
import { seeded, type Example } from './calls.ts';
import { historyChain } from '../support/history.ts';
import { crashTable, identities, kthStarted, missingOrExtra, twice, type Kill, type Observed, type StageOutcome } from './crash.ts';
import { leftovers, post, teardown } from './matrix.ts';

const DIR = join(STACK_DIR, 'test', 'crash');
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const OUTAGE_SECONDS = Number(process.env.CRASH_OUTAGE_SECONDS ?? 60);
const FINAL = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const GONE = ['Deleted', 'TeardownIncomplete'];
// Generous: a cells run has taken over 8 minutes on a loaded two-core machine, and every kill adds a worker start.
const RUN_MS = 1_800_000;

/** k for the next kill point of one test: 1 to `most` new activities after the last one; each test has its own stream, so one can be replayed alone. */
const draws = (test: number) => {
  const random = seeded(seed + test);
  return (most: number) => 1 + Math.floor(random() * most);
};

describe('crash anywhere', () => {
  let stack: Stack;
  let client: Client;
  let connection: Connection;
  let worker: RunningProcess;
  let workers = 0;
  const processes: RunningProcess[] = [];
  const e = (): Endpoints => stack.endpoints;
  // Bundled once: a worker that bundles its workflows itself spends many seconds of CPU on every restart.
  const bundle = join(DIR, 'workflow-bundle.js');
  const startWorker = async () => (worker = await startProduct('worker', e().productEnv, join(DIR, 'logs', `worker-${++workers}.log`), { CELLBRIDGE_WORKFLOW_BUNDLE: bundle }));
  /** What a kill-free Ready mesh of each example holds (identities(), the mesh's name as <mesh>). */
  const baseline = new Map<Example, string[]>();

  before(async () => {
    console.log(`# crash seed: ${seed} (replay with CRASH_SEED=${seed})`);
    // A database left by an earlier run would hold its meshes.
    rmSync(join(DIR, 'temporal.db'), { force: true });
    mkdirSync(DIR, { recursive: true });
    const [started] = await Promise.all([startStack({ dir: DIR, timeScale: TEST_TIME_SCALE, product: false, persistent: true }), writeWorkflowBundle(bundle)]);
    stack = started;
    processes.push(await startProduct('api', e().productEnv, join(DIR, 'logs', 'api.log')));
    await startWorker();
    connection = await Connection.connect({ address: e().temporal.address });
    client = new Client({ connection });
  });
  after(async () => {
    await connection?.close();
    await worker?.stop();
    for (const p of processes) await p.stop();
    await stack?.stop();
  });

  /** A kill-free run of `example`: what a Ready mesh of it holds, then torn down to nothing. */
  async function baselineOf(example: Example): Promise<string[]> {
    const known = baseline.get(example);
    if (known) return known;
    const mesh = `${example}-base`;
    await post(e(), example, mesh);
    const ready = await waitForPhase(e(), mesh, FINAL, RUN_MS);
    assert.equal(ready.phase, 'Ready', `the kill-free ${example} run ended ${ready.phase}: ${JSON.stringify(ready.error)}`);
    const held = await identities(e(), mesh);
    assert.equal((await teardown(e(), mesh, example)).phase, 'Deleted');
    assert.deepEqual(twice(held), [], `the kill-free ${example} run made nothing twice`);
    baseline.set(example, held);
    return held;
  }

  test(`the Temporal server killed (SIGKILL) mid-provisioning and restarted on its database: the mesh ends Ready, nothing twice, then torn down to zero (seed ${seed})`, async () => {
    const expected = await baselineOf('minimal');
    const mesh = 'tmp-restart';
    await post(e(), 'minimal', mesh);
    const k = 1 + draws(1)(6);
    const running = await kthStarted(client, `mesh-${mesh}`, k, new Set(), (o) => FINAL.includes(o.phase ?? ''));
    assert.ok(running, `the run ended before its ${k}th activity`);
    const killedAt = Date.now();
    await stack.restartTemporal('SIGKILL');
    console.log(`# Temporal killed while ${running} ran (k=${k}); back in ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    const ready = await waitForPhase(e(), mesh, FINAL, RUN_MS);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
    assert.equal(inventoryVerdict(await identities(e(), mesh), expected), '', 'each resource of a kill-free run, once');
    assert.equal((await teardown(e(), mesh, 'minimal')).phase, 'Deleted');
    assert.deepEqual(await leftovers(e(), mesh, ready), []);
  });

  test(`both clouds' APIs refuse every call for ${OUTAGE_SECONDS} s mid-provisioning: the mesh rides it out to Ready, nothing twice, then torn down to zero`, async () => {
    const expected = await baselineOf('minimal');
    const mesh = 'outage';
    await post(e(), 'minimal', mesh);
    const k = 1 + draws(2)(6);
    const running = await kthStarted(client, `mesh-${mesh}`, k, new Set(), (o) => FINAL.includes(o.phase ?? ''));
    assert.ok(running, `the run ended before its ${k}th activity`);
    const outage = { operation: '*', kind: 'server-error', count: 1_000_000_000 } as const;
    await Promise.all([injectFault(e().aws, outage), injectFault(e().azure, outage)]);
    await new Promise((r) => setTimeout(r, OUTAGE_SECONDS * 1000));
    const refused = await Promise.all([e().aws, e().azure].map(async (url) => (await faultsFired(url)).reduce((n, f) => n + f.fired, 0)));
    await Promise.all([e().aws, e().azure].map((url) => fetch(`${url}/_sim/faults`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
    console.log(`# outage began while ${running} ran (k=${k}); refused ${refused[0]} AWS and ${refused[1]} ARM calls`);
    assert.ok(refused[0]! > 0 && refused[1]! > 0, 'the product called both clouds during the outage and was refused');
    const ready = await waitForPhase(e(), mesh, FINAL, RUN_MS);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
    assert.equal(inventoryVerdict(await identities(e(), mesh), expected), '', 'each resource of a kill-free run, once');
    assert.equal((await teardown(e(), mesh, 'minimal')).phase, 'Deleted');
    assert.deepEqual(await leftovers(e(), mesh, ready), []);
  });

  test(`the worker killed (SIGKILL) at ${KILLS} points over a full mesh's provisioning, root rotation and teardown: Ready, done, Deleted, nothing twice, nothing left (seed ${seed})`, async () => {
    const expected = await baselineOf('cells');
    // The kill-free run's activities per stage (its first run provisions, its last tears down) spread a stage's points over all of it.
    const chain = await historyChain(client, 'mesh-cells-base');
    const activities = (run: (typeof chain)[number] | undefined) => (run?.events ?? []).filter((ev) => ev.activityTaskScheduledEventAttributes).length;
    const mesh = 'crash';
    const workflowId = `mesh-${mesh}`;
    const kills: Kill[] = [];
    const stages: StageOutcome[] = [];
    // Provisioning is the longest stage: it gets most of the points; what a stage cannot place goes to the next.
    const drawK = draws(3);
    const quota: Record<string, number> = { provision: Math.ceil(KILLS * 0.6), rotation: Math.floor(KILLS * 0.15) };
    quota.teardown = KILLS - quota.provision! - quota.rotation!;
    // Half the stage's activities per point on average: activities that end between two looks are not seen, and a stage that ends first hands its points on.
    const most: Record<string, number> = {
      provision: Math.max(1, Math.round(activities(chain[0]) / quota.provision!)),
      rotation: 3,
      teardown: Math.max(1, Math.round(activities(chain.at(-1)) / quota.teardown)),
    };
    console.log(`# kill-free run: ${activities(chain[0])} activities to Ready, ${activities(chain.at(-1))} in its last run (teardown); k drawn from 1..${most.provision} (provision), 1..${most.rotation} (rotation), 1..${most.teardown} (teardown)`);
    let carried = 0;
    const killDuring = async (stage: string, id: string, over: (o: Observed) => boolean) => {
      const started = Date.now();
      const seen = new Set<string>();
      let placed = 0;
      const wanted = quota[stage]! + carried;
      while (placed < wanted) {
        const k = drawK(most[stage]!);
        const running = await kthStarted(client, id, k, seen, over);
        if (!running) break;
        const at = (Date.now() - started) / 1000;
        await worker.stop('SIGKILL');
        const killed = Date.now();
        await startWorker();
        kills.push({ stage, k, running, at, back: (Date.now() - killed) / 1000 });
        console.log(`# kill ${kills.length}: ${stage}, k=${k}, ${running} at ${at.toFixed(1)} s`);
        placed++;
      }
      carried = wanted - placed;
      return { placed, started };
    };

    // A root rotation waits out one workload certificate lifetime between its phases (24 h by default): a short one here.
    const spec = { ...exampleSpec('cells', { name: mesh }), pki: { rotation: { pickupSeconds: 10, workloadCertTtlSeconds: 2, intervalHours: 720, jitterMinutes: 0 } } };
    const posted = await api(e(), 'POST', '/v1/meshes', spec);
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const provision = await killDuring('provision', workflowId, (o) => FINAL.includes(o.phase ?? ''));
    const ready = await waitForPhase(e(), mesh, FINAL, RUN_MS);
    const readyVerdict = inventoryVerdict(await identities(e(), mesh), expected);
    stages.push(judged('provision', provision, ready.phase === 'Ready' && readyVerdict === '', `${ready.phase}; ${readyVerdict || 'each resource of a kill-free run, once'}`));

    if (ready.phase === 'Ready') {
      const rotation = await api(e(), 'POST', `/v1/meshes/${mesh}/rotations`, { kind: 'root' });
      assert.equal(rotation.status, 202, JSON.stringify(rotation.body));
      const rotationId: string = rotation.body.rotationId;
      const rotated = await killDuring('rotation', rotationId, (o) => o.status !== 'RUNNING');
      const done = await waitForRotation(e(), mesh, rotationId);
      const rotatedVerdict = inventoryVerdict(await identities(e(), mesh), expected);
      stages.push(judged('rotation', rotated, done.phase === 'done' && rotatedVerdict === '', `${done.phase ?? done.workflowStatus}; ${rotatedVerdict || 'each resource of a kill-free run, once'}`));
    }

    assert.equal((await api(e(), 'DELETE', `/v1/meshes/${mesh}`)).status, 202);
    const torn = await killDuring('teardown', workflowId, (o) => GONE.includes(o.phase ?? '') || o.status !== 'RUNNING');
    const gone = await waitForPhase(e(), mesh, GONE, RUN_MS);
    const left = await leftovers(e(), mesh, ready);
    stages.push(judged('teardown', torn, gone.phase === 'Deleted' && left.length === 0, `${gone.phase}; ${left.length ? `left: ${left.join('; ')}` : 'nothing of the mesh left'}`));

    console.log(`\n${crashTable(kills, stages)}\n`);
    console.log(`# crash table: ${kills.length} kills, seed ${seed}; ${stages.filter((s) => !s.ok).length} stages failed`);
    assert.deepEqual(stages.filter((s) => !s.ok), [], 'every stage ends in its right phase with nothing twice and nothing left');
    assert.equal(kills.length, KILLS, `all ${KILLS} kill points landed (${carried} found no activity before the teardown ended)`);
  });
});

function judged(stage: string, run: { placed: number; started: number }, ok: boolean, detail: string): StageOutcome {
  return { stage, kills: run.placed, ok, detail, seconds: (Date.now() - run.started) / 1000 };
}

/** '' when the mesh holds each resource of the kill-free run exactly once; else what is twice, missing or extra. */
function inventoryVerdict(held: string[], expected: string[]): string {
  return [twice(held).map((l) => `twice: ${l}`).join('; '), missingOrExtra(held, expected)].filter(Boolean).join('; ');
}

async function waitForRotation(e: Endpoints, mesh: string, rotationId: string): Promise<any> {
  const deadline = Date.now() + RUN_MS;
  for (;;) {
    const { status, body } = await api(e, 'GET', `/v1/meshes/${mesh}/rotations/${rotationId}`);
    // 503: no worker answered the progress query (one is being replaced); ask again.
    if ((status !== 503 && body.workflowStatus !== 'RUNNING') || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 500));
  }
}
