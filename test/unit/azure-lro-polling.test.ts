/**
 * Azure long-running operations awaited with the engine's backoff instead of the SDK's fixed
 * Retry-After loop: what a Retry-After asks for, in each form Azure's clients read, and how
 * many polls an operation costs. The poller is a stand-in at the SDK boundary shaped like
 * core-lro's; the Retry-After reaches the awaiting operation through the pipeline policy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { awaitOperation, retryAfterMs, retryAfterPolicy, type ManualPoller } from '../../activities/azure/lro.ts';
import { expecting } from '../../activities/expected-operation.ts';

const answer = (headers: Record<string, string>): PipelineResponse => ({ headers: createHttpHeaders(headers), status: 200, request: createPipelineRequest({ url: 'https://management.azure.com/x' }) });

const cases: [string, Record<string, string>, number | undefined][] = [
  ['none', {}, undefined],
  ['Retry-After in whole seconds', { 'retry-after': '10' }, 10_000],
  ['Retry-After in fractional seconds (a scaled emulator)', { 'retry-after': '0.25' }, 250],
  ['retry-after-ms before Retry-After', { 'retry-after': '1', 'retry-after-ms': '208' }, 208],
  ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '1500' }, 1500],
  ['garbage', { 'retry-after': 'soon' }, undefined],
];
for (const [what, headers, expected] of cases) {
  test(`retryAfterMs: ${what} → ${expected ?? 'nothing'}`, () => {
    assert.equal(retryAfterMs(answer(headers)), expected);
  });
}

test('retryAfterMs: an HTTP date is the time until then', () => {
  const ms = retryAfterMs(answer({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }))!;
  assert.ok(ms > 55_000 && ms <= 60_000, `${ms} ms`);
});

/** An operation that ends after `pollsNeeded` polls; every answer passes through the Retry-After policy with `headers`. */
function operation(pollsNeeded: number, headers: Record<string, string>) {
  const policy = retryAfterPolicy();
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  const sent = () => policy.sendRequest(request, async () => answer(headers));
  const times: number[] = [];
  let polls = 0;
  const poller: ManualPoller<string> = {
    isDone: () => polls >= pollsNeeded,
    poll: async () => {
      times.push(Date.now());
      await sent();
      polls++;
    },
    getResult: () => (polls >= pollsNeeded ? 'the resource' : undefined),
  };
  return { start: async () => (await sent(), poller), times, polls: () => polls };
}

test('the operation is polled with the backoff (not at a fixed interval) until done, and its result is the final answer', async () => {
  const op = operation(4, {});
  const started = Date.now();
  assert.equal(await awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 })(op.start), 'the resource');
  assert.equal(op.polls(), 4);
  const gaps = op.times.map((t, i) => t - (i === 0 ? started : op.times[i - 1]!));
  // 10, 20, 40, 80 ms apart (timers fire late, never early).
  [10, 20, 40, 80].forEach((ms, i) => assert.ok(gaps[i]! >= ms - 1, `gap ${i}: ${gaps[i]} ms, backoff ${ms} ms`));
});

test('a Retry-After longer than the backoff is waited', async () => {
  const op = operation(2, { 'retry-after-ms': '120' });
  const started = Date.now();
  await awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 })(op.start);
  assert.ok(op.times[0]! - started >= 119, `first poll after ${op.times[0]! - started} ms`);
  assert.ok(op.times[1]! - op.times[0]! >= 119, `second after ${op.times[1]! - op.times[0]!} ms`);
});

test('an operation the engine expects to take 400 ms is polled around then (10, 30, 70, 150, 310, 400 ms), not every 50 ms', async () => {
  const started = Date.now();
  const policy = retryAfterPolicy();
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  const times: number[] = [];
  const poller: ManualPoller<string> = {
    isDone: () => times.length > 0 && times.at(-1)! - started >= 400,
    poll: async () => {
      times.push(Date.now());
      await policy.sendRequest(request, async () => answer({}));
    },
    getResult: () => 'the resource',
  };
  const settings = { initialMs: 10, maxMs: 50, factor: 2, cloudTimeScale: 1 };
  assert.equal(await expecting(400, () => awaitOperation(settings)(async () => poller)), 'the resource');
  // The plain backoff (10, 20, 40, 50, 50, …) would take 10 polls; a loaded machine's late timers can only save some.
  assert.ok(times.length <= 7, `${times.length} polls at ${times.map((t) => t - started).join(', ')} ms`);
});

test('an operation done at its first answer is not polled', async () => {
  const op = operation(0, {});
  assert.equal(await awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 })(op.start), 'the resource');
  assert.equal(op.times.length, 0);
});

test('cancellation stops the wait between polls', async () => {
  const op = operation(100, {});
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 30);
  await assert.rejects(awaitOperation({ initialMs: 20, maxMs: 1_000, factor: 2 })(op.start, abort.signal), { name: 'AbortError' });
  assert.ok(op.polls() < 3);
});
