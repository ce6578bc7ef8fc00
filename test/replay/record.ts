/**
 * Records the workflow histories that test/workflow/replay.test.ts replays against the
 * current workflow code. Run it (npm run record-histories) once per shipped workflow
 * version, and keep the old files: runs started by an old version must still replay.
 * Payloads are stored decoded (the codec key is per stack), after checking that no
 * pre-shared key is among them.
 */
import { Client, Connection } from '@temporalio/client';
import { encryptedPayloads } from '../support/history.ts';
import { historyToJson, type History } from './history-json.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startStack, type Endpoints } from '../../sim/stack.ts';
import { api, awsTunnelKeys, clearFaults, exampleSpec, injectFault, waitForPhase } from '../support/stack.ts';

const OUT = new URL('./histories/', import.meta.url);

interface Recording {
  file: string;
  workflowId: string;
  runId: string;
}

interface Scenario {
  /** The history files it records. */
  files: string[];
  run(e: Endpoints): Promise<Recording[]>;
}

const SCENARIOS: Scenario[] = [
  { files: ['provision-ready-teardown.json'], run: readyThenTeardown },
  { files: ['provision-rollback-incomplete.json', 'teardown-after-rollback.json'], run: rollbackIncompleteThenSweep },
  { files: ['provision-cells-istio-rotations-teardown.json', 'rotate-intermediate.json', 'rotate-root.json'], run: (e) => cellsWithRotations(e) },
  { files: ['lifelong-provision-continue-as-new.json', 'lifelong-resumed-teardown.json'], run: lifelongReadyThenTeardown },
  { files: ['lifelong-cells-provision-continue-as-new.json', 'lifelong-cells-resumed-rotation-teardown.json'], run: lifelongCellsRotationThenTeardown },
  // Carries the markers of rotation-pickup-evidence-v1, verify-east-west-routable-v1 and verify-tolerates-observation-failures-v1.
  {
    files: ['evidence-v1-provision-cells-istio-rotations-teardown.json', 'evidence-v1-rotate-intermediate.json', 'evidence-v1-rotate-root.json'],
    run: (e) => cellsWithRotations(e, 'evidence-v1-'),
  },
  // Carries the markers of verify-beside-bgp-v1 and bgp-wait-in-observation-v1: the run that provisions, up to its continue-as-new.
  { files: ['beside-bgp-v1-cells-provision-continue-as-new.json'], run: cellsBesideBgpThenTeardown },
];

async function main(): Promise<void> {
  // Histories already recorded stay as they are: they stand for versions that shipped. A scenario
  // whose files all exist is not run again.
  const pending = SCENARIOS.filter((s) => s.files.some((f) => !existsSync(new URL(f, OUT))));
  if (pending.length === 0) {
    console.log('every history is recorded; nothing to do');
    return;
  }
  const stack = await startStack({ dir: join(STACK_DIR, 'record-histories'), timeScale: 600, product: true });
  try {
    const e = stack.endpoints;
    for (const scenario of pending) {
      const recordings = await scenario.run(e);
      for (const r of recordings) if (!existsSync(new URL(r.file, OUT))) await save(e, r);
    }
  } finally {
    await stack.stop();
  }
}

async function readyThenTeardown(e: Endpoints): Promise<Recording[]> {
  const mesh = 'replay-ready';
  const started = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: mesh }));
  await expectPhase(e, mesh, 'Ready');
  await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [{ file: 'provision-ready-teardown.json', workflowId: started.body.workflowId, runId: started.body.runId }];
}

async function rollbackIncompleteThenSweep(e: Endpoints): Promise<Recording[]> {
  const mesh = 'replay-rollback';
  await injectFault(e.azure, { operation: 'connections.createOrUpdate', kind: 'error', status: 400, code: 'InvalidRequestFormat', nth: 4, match: mesh });
  await injectFault(e.azure, { operation: 'localNetworkGateways.delete', kind: 'error', status: 400, code: 'InUseLocalNetworkGateway', count: 1000, match: mesh });
  const started = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: mesh }));
  await expectPhase(e, mesh, 'RollbackIncomplete');
  await clearFaults(e);
  const sweep = await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [
    { file: 'provision-rollback-incomplete.json', workflowId: started.body.workflowId, runId: started.body.runId },
    { file: 'teardown-after-rollback.json', workflowId: sweep.body.workflowId, runId: sweep.body.runId },
  ];
}

/** A mesh with an EKS and an AKS cell and Istio, an intermediate and a root rotation, then teardown. */
async function cellsWithRotations(e: Endpoints, prefix = ''): Promise<Recording[]> {
  const mesh = 'replay-cells';
  const spec = exampleSpec('cells', { name: mesh });
  spec.pki = { rotation: { pickupSeconds: 1, workloadCertTtlSeconds: 1, intervalHours: 720, jitterMinutes: 0 } };
  const started = await api(e, 'POST', '/v1/meshes', spec);
  await expectPhase(e, mesh, 'Ready');
  const rotations: Recording[] = [];
  for (const kind of ['intermediate', 'root'] as const) {
    const { body } = await api(e, 'POST', `/v1/meshes/${mesh}/rotations`, { kind });
    for (;;) {
      const progress = await api(e, 'GET', `/v1/meshes/${mesh}/rotations/${body.rotationId}`);
      if (progress.body.workflowStatus !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    rotations.push({ file: `${prefix}rotate-${kind}.json`, workflowId: body.rotationId, runId: '' });
  }
  await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [{ file: `${prefix}provision-cells-istio-rotations-teardown.json`, workflowId: started.body.workflowId, runId: started.body.runId }, ...rotations];
}

/** Since patch lifelong-mesh-v1: the first run continues as new once it is up; the run it hands over to is torn down. */
async function lifelongReadyThenTeardown(e: Endpoints): Promise<Recording[]> {
  const mesh = 'replay-lifelong';
  const started = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: mesh }));
  await expectPhase(e, mesh, 'Ready');
  await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [
    { file: 'lifelong-provision-continue-as-new.json', workflowId: started.body.workflowId, runId: started.body.runId },
    { file: 'lifelong-resumed-teardown.json', workflowId: started.body.workflowId, runId: await latestRunId(e, started.body.workflowId) },
  ];
}

/** The same with cells: the resumed run is claimed and released by an intermediate rotation, then torn down (schedule deleted). */
async function lifelongCellsRotationThenTeardown(e: Endpoints): Promise<Recording[]> {
  const mesh = 'replay-lifelong-cells';
  const spec = exampleSpec('cells', { name: mesh });
  spec.pki = { rotation: { pickupSeconds: 1, workloadCertTtlSeconds: 1, intervalHours: 720, jitterMinutes: 0 } };
  const started = await api(e, 'POST', '/v1/meshes', spec);
  await expectPhase(e, mesh, 'Ready');
  const { body } = await api(e, 'POST', `/v1/meshes/${mesh}/rotations`, { kind: 'intermediate' });
  for (;;) {
    const progress = await api(e, 'GET', `/v1/meshes/${mesh}/rotations/${body.rotationId}`);
    if (progress.body.workflowStatus !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [
    { file: 'lifelong-cells-provision-continue-as-new.json', workflowId: started.body.workflowId, runId: started.body.runId },
    { file: 'lifelong-cells-resumed-rotation-teardown.json', workflowId: started.body.workflowId, runId: await latestRunId(e, started.body.workflowId) },
  ];
}

/** A mesh with cells up (its Istio inspected and its schedule made while BGP converged), then torn down. */
async function cellsBesideBgpThenTeardown(e: Endpoints): Promise<Recording[]> {
  const mesh = 'replay-beside-bgp';
  const started = await api(e, 'POST', '/v1/meshes', exampleSpec('cells', { name: mesh }));
  await expectPhase(e, mesh, 'Ready');
  await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  await expectPhase(e, mesh, 'Deleted');
  return [{ file: 'beside-bgp-v1-cells-provision-continue-as-new.json', workflowId: started.body.workflowId, runId: started.body.runId }];
}

async function latestRunId(e: Endpoints, workflowId: string): Promise<string> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    return (await new Client({ connection }).workflow.getHandle(workflowId).describe()).runId;
  } finally {
    await connection.close();
  }
}

async function expectPhase(e: Endpoints, mesh: string, phase: string): Promise<void> {
  const status = await waitForPhase(e, mesh, [phase], 300_000);
  if (status.phase !== phase) throw new Error(`${mesh}: expected ${phase}, got ${status.phase}`);
}

async function save(e: Endpoints, r: Recording): Promise<void> {
  const path = new URL(r.file, OUT);
  if (existsSync(path)) throw new Error(`${r.file} exists: keep it (old runs must still replay) and record under a new name`);
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(r.workflowId, r.runId || undefined).fetchHistory();
    const codec = new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'));
    await decodeInPlace(history, codec);
    const text = historyToJson(history);
    for (const key of await awsTunnelKeys(e, r.workflowId.replace(/^mesh-/, ''))) {
      if (text.includes(key)) throw new Error(`${r.file}: a pre-shared key is in the history`);
    }
    writeFileSync(path, `${text}\n`);
    console.log(`recorded ${r.file}: ${history.events?.length} events`);
  } finally {
    await connection.close();
  }
}

/** Replaces every encrypted payload in the history by its plaintext. */
async function decodeInPlace(history: History, codec: AesGcmPayloadCodec): Promise<void> {
  const encrypted = encryptedPayloads(history);
  const decoded = await codec.decode(encrypted);
  encrypted.forEach((payload, i) => Object.assign(payload, { metadata: decoded[i]!.metadata, data: decoded[i]!.data }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
