/**
 * When to look at a cloud operation whose duration is known ahead (domain/cloud-latency.ts):
 * the delay before the next poll, from the time since the operation started.
 *
 * A plain backoff up to a 30 s ceiling polls a 45-minute VPN gateway about 90 times; one that
 * keeps growing sees it end up to a third of its duration late. Knowing when it should end,
 * the polls can gather there instead:
 * - before the expected end, the delay grows by `factor` from `initialMs` (a failure the
 *   cloud reports at once is still seen within seconds), is never longer than `farMs` (a
 *   gateway that fails at minute 3 is seen within minutes, not at minute 45), and never
 *   sleeps past the expected end;
 * - from the expected end on, the fast backoff starts again (`initialMs` ×`factor` up to
 *   `maxMs`), so an operation that ends on time, or late, is seen at most `maxMs` after.
 *
 * Delays are a function of the elapsed time alone, with no state: the growing delay after
 * waiting `e` is `initialMs + (factor − 1)·e`, which is exactly the geometric sequence
 * `initialMs·factor^k` a stateful backoff gives at its k-th poll. So a poller built anew
 * (a retried activity, a resumed wait) continues the same schedule from the same clock.
 */
export interface PollSchedule {
  initialMs: number;
  factor: number;
  /** The ceiling of the fast backoff after the expected end: how late an ended operation may be seen. */
  maxMs: number;
  /** The ceiling before the expected end: how late an early end (mostly a failure) may be seen. */
  farMs: number;
}

const AT_THE_END = 0.05;

/**
 * `atLeastMs`: the shortest wait the cloud allows before this poll and, taken as its pace, the
 * next (ARM's Retry-After). The caller never waits less; the schedule plans around it.
 */
export function nextPollDelay(elapsedMs: number, expectedMs: number, schedule: PollSchedule, atLeastMs = 0): number {
  const { initialMs, factor, maxMs, farMs } = schedule;
  const remaining = expectedMs - Math.max(0, elapsedMs);
  // A poll meant for the expected end whose timer fired a moment early (timers round) was the poll at the end.
  if (remaining < initialMs * AT_THE_END) return Math.min(initialMs + (factor - 1) * Math.max(0, -remaining), maxMs);
  const delay = Math.max(Math.min(initialMs + (factor - 1) * Math.max(0, elapsedMs), farMs), atLeastMs);
  // A poll that leaves less than the shortest gap (`initialMs`, or the longer one the cloud asks for) before the
  // expected end could only be followed by one after it, late by the difference: skip it, and poll at the end.
  return remaining - delay < Math.max(initialMs, atLeastMs) ? remaining : delay;
}
