/**
 * The engine polls a create or a delete around the end the latency table expects for its
 * kind (domain/cloud-latency.ts ÷ the clouds' time scale), and a kind the table does not list
 * with the plain backoff. Temporal's mock activity context; the handler is a stand-in at the
 * activity boundary, a Transit Gateway (180 s to create, 120 s to delete) that takes that long
 * ÷ 100, and counts describes. Counts are bounds: a loaded machine's late timers save polls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn) as Promise<T>;
const settings = { initialMs: 50, maxMs: 100, factor: 1.5, cloudTimeScale: 100 };

/** A resource whose create takes `createMs` and whose delete takes `deleteMs` after they are sent; `describes` counts the reads. */
function slowResource(createMs: number, deleteMs: number) {
  let readyAt: number | undefined;
  let goneAt: number | undefined;
  const counts = { describes: 0 };
  const handler: ResourceHandler<unknown, { state: string }> = {
    describe: async () => {
      counts.describes++;
      if (readyAt === undefined || (goneAt !== undefined && Date.now() >= goneAt)) return undefined;
      if (goneAt !== undefined) return { state: 'deleting' };
      return { state: Date.now() >= readyAt ? 'available' : 'pending' };
    },
    create: async () => void (readyAt = Date.now() + createMs),
    phase: (o) => (o.state === 'available' ? { is: 'ready' } : o.state === 'deleting' ? { is: 'deleting' } : { is: 'busy', detail: o.state }),
    output: (o) => ({ cloudId: 'tgw-1', state: o.state }),
    delete: async () => void (goneAt = Date.now() + deleteMs),
  };
  return { handler, counts };
}

const tgw: ResourceNode = { id: 'aws/tgw', kind: 'aws.transitGateway', params: {}, dependsOn: [] };

test('a 1.8 s create and a 1.2 s delete (180 s and 120 s ÷ 100) are seen with at most 11 and 10 describes, where the plain backoff (50 ms ×1.5 up to 100 ms) takes more', async () => {
  const expected = slowResource(1800, 1200);
  const engine = new ResourceEngine(settings);
  await run(() => engine.ensure(expected.handler, tgw, {}));
  const createReads = expected.counts.describes;
  await run(() => engine.delete(expected.handler, tgw));
  const deleteReads = expected.counts.describes - createReads;
  // The lookup, a describe at once after the create, the polls at 50, 125, 237, 406, 659, 1038, 1607 and 1800 ms,
  // and one more if the create's end is a moment after the expected end.
  assert.ok(createReads <= 11, `${createReads} describes for the create`);
  // The lookup, a describe at once after the delete, polls at 50, 125, 237, 406, 659, 1038 and 1200 ms, one more.
  assert.ok(deleteReads <= 10, `${deleteReads} describes for the delete`);

  const plain = slowResource(1800, 1200);
  const { cloudTimeScale: _none, ...withoutScale } = settings;
  const plainEngine = new ResourceEngine(withoutScale);
  await run(() => plainEngine.ensure(plain.handler, tgw, {}));
  const plainCreateReads = plain.counts.describes;
  await run(() => plainEngine.delete(plain.handler, tgw));
  assert.ok(plainCreateReads > createReads, `${plainCreateReads} describes with the plain backoff, ${createReads} around the expected end`);
  assert.ok(plain.counts.describes - plainCreateReads > deleteReads, `${plain.counts.describes - plainCreateReads} describes with the plain backoff, ${deleteReads} around the expected end`);
});

test('a kind the latency table does not list is created and polled with the plain backoff, not refused', async () => {
  const unlisted = slowResource(300, 0);
  const output = await run(() => new ResourceEngine(settings).ensure(unlisted.handler, { ...tgw, kind: 'aws.somethingNew' }, {}));
  assert.equal(output.state, 'available');
  // The lookup and polls at 50, 125, 225, 325 ms.
  assert.ok(unlisted.counts.describes >= 3, `${unlisted.counts.describes} describes`);
});

test('a wait of seconds toward the expected end heartbeats every second throughout, so it never outlasts the heartbeat timeout', async () => {
  // 180 s ÷ 60: one sleep of 3 s from the create to its expected end.
  const slow = slowResource(3000, 0);
  const env = new MockActivityEnvironment();
  const beats: number[] = [];
  env.on('heartbeat', () => beats.push(Date.now()));
  const started = Date.now();
  await env.run(() => new ResourceEngine({ initialMs: 3000, maxMs: 3000, factor: 1.5, cloudTimeScale: 60 }).ensure(slow.handler, tgw, {}));
  assert.ok(Date.now() - started >= 2900, 'it waited for the expected end');
  const gaps = beats.slice(1).map((t, i) => t - beats[i]!);
  assert.ok(gaps.length >= 2 && Math.max(...gaps) < 2000, `heartbeat gaps ${gaps.join(', ')} ms`);
});
