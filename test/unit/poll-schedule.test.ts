/**
 * Polls timed by an operation's expected duration (domain/poll-schedule.ts), with the real
 * clouds' settings: 5 s ×1.5, a 30 s ceiling from the expected end on, 5 minutes before it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextPollDelay } from '../../domain/poll-schedule.ts';

const schedule = { initialMs: 5_000, factor: 1.5, maxMs: 30_000, farMs: 300_000 };

/**
 * The times (s since the start) of the polls until one sees an operation that ended at `endS` (s); it was expected to take `expectedS`.
 * `retryAfterS`: what the cloud asks to wait between polls, which the poller never shortens (activities/azure/lro.ts).
 */
function pollsUntil(endS: number, expectedS: number, retryAfterS = 0): number[] {
  const at: number[] = [];
  let elapsed = 0;
  while (elapsed < endS * 1000) {
    elapsed += Math.max(nextPollDelay(elapsed, expectedS * 1000, schedule, retryAfterS * 1000), retryAfterS * 1000);
    at.push(elapsed / 1000);
  }
  return at;
}

const yardstick = (seconds: number) => Math.ceil(Math.log(1 + seconds / 10) / Math.log(1.5));

const onTime: [string, number, number][] = [
  // [what, seconds, polls that see it end on time]: the yardstick ⌈log1.5(1 + L/10 s)⌉ is 14, 11 and 5;
  // the gateway pays 4 more for the 5-minute ceiling, which sees a failure at minute 3 by minute 8.
  ['a 45-minute VPN gateway', 2700, 18],
  ['a 10-minute EKS cluster', 600, 11],
  ['a 60 s operation', 60, 5],
];
for (const [what, seconds, polls] of onTime) {
  test(`${what} that ends on time is seen by ${polls} polls (yardstick ${yardstick(seconds)}), the last one at its expected end`, () => {
    const at = pollsUntil(seconds, seconds);
    assert.equal(at.length, polls, at.join(' '));
    assert.equal(at.at(-1), seconds);
  });
}

test('the delay grows ×1.5 from 5 s, never sleeps past the expected end, and skips a poll that would land less than 5 s before it', () => {
  assert.deepEqual(pollsUntil(60, 60), [5, 12.5, 23.75, 40.625, 60]);
  // 40.625 + 25.3 would leave 4.7 s: the next poll is the one at the end.
  assert.deepEqual(pollsUntil(70, 70), [5, 12.5, 23.75, 40.625, 70]);
});

test('with a Retry-After longer than 5 s, no poll lands so close before the expected end that the next one, waiting the Retry-After, comes after it', () => {
  // ARM's 10 s: a 15 s VNet delete was polled at 10 s, then (5 s left, 10 s to wait) at 20 s, 5 s late.
  assert.deepEqual(pollsUntil(15, 15, 10), [15]);
  assert.deepEqual(pollsUntil(30, 30, 10), [10, 20, 30]);
  for (const seconds of [10, 12, 15, 19, 25, 33, 47, 60, 90, 1200]) {
    const at = pollsUntil(seconds, seconds, 10);
    assert.equal(at.at(-1), seconds, `${seconds} s: ${at.join(' ')}`);
    assert.ok(at.every((t, i) => t - (at[i - 1] ?? 0) >= 10), `${seconds} s: a gap shorter than the Retry-After: ${at.join(' ')}`);
  }
  // Shorter than the Retry-After itself: the first poll the cloud allows.
  assert.deepEqual(pollsUntil(8, 8, 10), [10]);
});

test('before the expected end no delay exceeds the 5-minute ceiling, so an early end (a failure) is seen within 5 minutes', () => {
  const at = pollsUntil(2700, 2700);
  const gaps = at.map((t, i) => t - (at[i - 1] ?? 0));
  assert.ok(Math.max(...gaps) <= 300, gaps.join(' '));
  assert.deepEqual(pollsUntil(190, 2700).slice(-1), [246.2890625], 'a failure at 190 s is seen at the next poll, 56 s later');
});

test('from the expected end on, the fast backoff starts again: a late end is seen at most 30 s after', () => {
  // A 10-minute cluster that takes 12: polls at the end, then 5, 7.5, 11.25, … s after it.
  const late = pollsUntil(720, 600);
  assert.deepEqual(late.slice(10).map((t) => Math.round((t - 600) * 100) / 100), [0, 5, 12.5, 23.75, 40.63, 65.94, 95.94, 125.94]);
  for (const [endS, expectedS] of [[2800, 2700], [4000, 2700], [700, 600]] as const) {
    const at = pollsUntil(endS, expectedS);
    assert.ok(at.at(-1)! - endS <= 30, `${expectedS} s expected, ended at ${endS} s, seen at ${at.at(-1)} s`);
  }
});

test('an operation expected to take no time (a Kubernetes object) is polled with the plain backoff: 5 s ×1.5 up to 30 s', () => {
  const delays = [0, 5_000, 12_500, 23_750, 40_625, 65_938, 95_938].map((elapsed) => Math.round(nextPollDelay(elapsed, 0, schedule)));
  assert.deepEqual(delays, [5_000, 7_500, 11_250, 16_875, 25_313, 30_000, 30_000]);
});
