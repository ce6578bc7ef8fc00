/**
 * The poll backoff: ×factor up to `maxMs` and no further, so a long operation is seen to end
 * at most `maxMs` late; and a Retry-After longer than the next delay is honoured.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../activities/poll-backoff.ts';

function delays(backoff: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => Math.round(backoff.next()));
}

/** Polls until `durationMs` has been waited: how many a backoff needs to see an operation of that length end, and how late the last one is. */
function pollsFor(durationMs: number): { polls: number; late: number } {
  const backoff = new Backoff({ initialMs: 5_000, maxMs: 30_000, factor: 1.5 });
  let waited = 0;
  let polls = 0;
  while (waited < durationMs) {
    waited += backoff.next();
    polls++;
  }
  return { polls, late: waited - durationMs };
}

test('each delay is the last ×1.5 up to the 30 s ceiling, and stays there', () => {
  assert.deepEqual(delays(new Backoff({ initialMs: 5_000, maxMs: 30_000, factor: 1.5 }), 8), [5000, 7500, 11250, 16875, 25313, 30000, 30000, 30000]);
});

const cases: [string, number, number][] = [
  // [what, operation seconds, polls at most: ⌈log1.5(1 + L/10)⌉ while below the ceiling, then one per 30 s]
  ['a 15 s VNet', 15, 3],
  ['a 90 s connection', 90, 7],
  ['a 600 s EKS cluster', 600, 5 + Math.ceil((600 - 66) / 30)],
  ['a 2700 s VPN gateway', 2700, 5 + Math.ceil((2700 - 66) / 30)],
];
for (const [what, seconds, most] of cases) {
  test(`${what} is seen to end within ${most} polls, never more than 30 s after it ended`, () => {
    const { polls, late } = pollsFor(seconds * 1000);
    assert.ok(polls <= most, `${polls} polls`);
    assert.ok(late <= 30_000, `${late} ms late`);
  });
}

test('a Retry-After longer than the next delay sets the pace; a shorter one or none leaves the backoff', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2 });
  assert.equal(backoff.nextAtLeast(250), 250);
  assert.equal(backoff.nextAtLeast(50), 200);
  assert.equal(backoff.nextAtLeast(undefined), 400);
});
