/**
 * Rotating the payload codec key under a live mesh: the stack starts with one key (k1),
 * a mesh is created, then the worker and the API are restarted with the keyring k1 + k2,
 * k2 current. The mesh's status, the Web UI's codec endpoint on a payload sealed with k1,
 * and teardown all keep working, and what is written after the rotation is sealed with k2.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { RunningProcess } from '../../sim/child-process.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct, type Endpoints } from '../../sim/stack.ts';
import { encryptedPayloads } from '../support/history.ts';
import { api, exampleSpec, FAST_TIME_SCALE, useStack, waitForPhase } from '../support/stack.ts';

const NAME = 'codec-key-rotation';
const MESH = 'kr-live';
const logs = join(STACK_DIR, 'test', NAME, 'logs');
type Payload = { metadata?: Record<string, Uint8Array>; data?: Uint8Array };
const keyIdOf = (p: Payload) => Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString();

async function rawHistoryPayloads(e: Endpoints, workflowId: string): Promise<Payload[]> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    return encryptedPayloads(await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory());
  } finally {
    await connection.close();
  }
}

describe('payload codec key rotation under a live mesh', () => {
  const stack = useStack(NAME, { product: false, timeScale: FAST_TIME_SCALE });
  let running: RunningProcess[] = [];
  const stopProduct = async () => {
    for (const p of running.reverse()) await p.stop();
    running = [];
  };
  const startProductWith = async (e: Endpoints, label: string, env: Record<string, string>) => {
    running.push(await startProduct('worker', e.productEnv, join(logs, `worker-${label}.log`), env));
    running.push(await startProduct('api', e.productEnv, join(logs, `api-${label}.log`), env));
  };
  after(stopProduct);

  test('after restarting worker and API with keyring k1+k2 (k2 current), GET, /codec/decode of a k1 payload and DELETE work, and new payloads use k2', async () => {
    const e = stack.endpoints();
    const k1Id = e.productEnv.CELLBRIDGE_CODEC_KEY_ID!;
    const k1 = e.productEnv.CELLBRIDGE_CODEC_KEY!;
    const k2 = randomBytes(32).toString('base64');

    await startProductWith(e, 'k1', {});
    const created = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: MESH }));
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal((await waitForPhase(e, MESH, ['Ready', 'RolledBack', 'RollbackIncomplete'], 600_000)).phase, 'Ready');
    const sealedBefore = await rawHistoryPayloads(e, `mesh-${MESH}`);
    assert.ok(sealedBefore.length > 0 && sealedBefore.every((p) => keyIdOf(p) === k1Id), 'before the rotation every payload is sealed with k1');

    await stopProduct();
    await startProductWith(e, 'keyring', { CELLBRIDGE_CODEC_KEY: '', CELLBRIDGE_CODEC_KEYS: `${k1Id}:${k1},k2:${k2}`, CELLBRIDGE_CODEC_KEY_ID: 'k2' });

    const status = await api(e, 'GET', `/v1/meshes/${MESH}`);
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.phase, 'Ready');

    // The Web UI's call: the workflow's input, sealed with k1 before the rotation.
    const input = sealedBefore[0]!;
    const b64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('base64');
    const decoded = await api(e, 'POST', '/codec/decode', { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(input.data) }] });
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    const plain = Buffer.from(decoded.body.payloads[0].data, 'base64').toString();
    assert.equal(JSON.parse(plain).spec?.name ?? JSON.parse(plain).name, MESH, plain.slice(0, 200));

    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    // A Ready mesh is torn down by its own run (a signal), so its history holds both eras;
    // once a delete has completed, its activity's input and result are in it.
    for (const deadline = Date.now() + 600_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
      const { body } = await api(e, 'GET', `/v1/meshes/${MESH}`);
      if (body?.resources?.some((r: { state: string }) => r.state === 'deleted') || body?.phase === 'Deleted') break;
    }
    const all = await rawHistoryPayloads(e, `mesh-${MESH}`);
    assert.ok(all.some((p) => keyIdOf(p) === 'k2'), 'payloads written after the rotation are sealed with k2');
    assert.ok(all.every((p) => keyIdOf(p) === k1Id || keyIdOf(p) === 'k2'), 'no payload outside the ring');

    const deleted = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 600_000);
    assert.equal(deleted.phase, 'Deleted', JSON.stringify(deleted.cleanupFailures));
  });
});
