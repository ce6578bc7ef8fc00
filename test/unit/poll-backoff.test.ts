/**
 * The poll backoff: ×factor up to `maxMs`, then up to half the time already waited, so the
 * number of polls stays logarithmic in an operation's duration; and a Retry-After longer
 * than the next delay is honoured.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../activities/poll-backoff.ts';

function delays(backoff: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => Math.round(backoff.next()));
}

/** Polls until `durationMs` has been waited: how many a backoff needs to see an operation of that length end. */
function pollsFor(durationMs: number): number {
  const backoff = new Backoff({ initialMs: 5_000, maxMs: 30_000, factor: 1.5 });
  let waited = 0;
  let polls = 0;
  while (waited < durationMs) {
    waited += backoff.next();
    polls++;
  }
  return polls;
}

test('each delay is the last ×1.5 up to the 30 s ceiling, then at most half the time waited so far', () => {
  // After 25.3 s the waits add up to 65.9 s: the next may be 33 s (half of it), not 30 s nor 38 s.
  assert.deepEqual(delays(new Backoff({ initialMs: 5_000, maxMs: 30_000, factor: 1.5 }), 10), [5000, 7500, 11250, 16875, 25313, 32969, 49453, 74180, 111270, 166904]);
});

test('a short ceiling holds while half the time waited is shorter', () => {
  assert.deepEqual(delays(new Backoff({ initialMs: 100, maxMs: 200, factor: 2 }), 6), [100, 200, 200, 250, 375, 563]);
});

const cases: [string, number, number][] = [
  // [what, operation seconds, polls at most: ⌈log1.5(1 + L/10)⌉ + the few the 30 s ceiling adds]
  ['a 15 s VNet', 15, 3],
  ['a 90 s connection', 90, 7],
  ['a 600 s EKS cluster', 600, 12],
  ['a 2700 s VPN gateway', 2700, 15],
];
for (const [what, seconds, most] of cases) {
  test(`${what} is seen to end within ${most} polls (logarithmic in its duration)`, () => {
    assert.ok(pollsFor(seconds * 1000) <= most, `${pollsFor(seconds * 1000)} polls`);
  });
}

test('a Retry-After longer than the next delay sets the pace; a shorter one or none leaves the backoff', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2 });
  assert.equal(backoff.nextAtLeast(250), 250);
  assert.equal(backoff.nextAtLeast(50), 200);
  assert.equal(backoff.nextAtLeast(undefined), 400);
});
