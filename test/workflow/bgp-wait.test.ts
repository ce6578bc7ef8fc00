/**
 * Awaiting BGP, each tunnel observation waits inside its activity (up to the poll cap) and
 * the workflow sleeps on no timer between observations: a Temporal timer can fire most of a
 * second late, which on the proving ground is most of a minute of cloud time. Every
 * observation is told when the wait began, so the activity polls around BGP's expected
 * convergence from there. Real Temporal dev server, cloud side stubbed at the activity
 * boundary (test/workflow/mesh-harness.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObserveTunnelsInput } from '../../activities/tunnel-status.ts';
import { BGP_WAIT_IN_OBSERVATION_PATCH } from '../../workflows/patches.ts';
import { historyChain, patchIds } from '../support/history.ts';
import { FAST_SETTINGS, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-bgp-wait');
});
after(async () => {
  await h?.stop();
});

test('tunnels that come up after a while: observations wait inside their activity for at most the poll cap, all from the same start, with no workflow timer between them', async () => {
  const mesh = 'bgp-late';
  h.faults.tunnelsDown = true;
  try {
    const handle = await startMesh(h, meshSpec('minimal', mesh), { ...FAST_SETTINGS, bgpPollInitialMs: 100, bgpPollMaxMs: 100 });
    await waitForPhase(h, mesh, ['Verifying']);
    await sleep(600);
    h.faults.tunnelsDown = false;
    const status = await waitForPhase(h, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete']);
    assert.equal(status.phase, 'Ready');

    // The provisioning run: a mesh up continues as new at once.
    const events = (await historyChain(h.client, handle.workflowId))[0]!.events ?? [];
    const observations = events.flatMap((e, i) => {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'observeTunnels') return [];
      return [{ at: i, input: JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString()) as ObserveTunnelsInput }];
    });
    assert.ok(observations.length >= 2, `${observations.length} observations`);
    const since = observations[0]!.input.wait?.sinceMs;
    assert.ok(since !== undefined, 'the observation is told to wait');
    for (const { input } of observations) {
      assert.equal(input.wait?.sinceMs, since, 'every observation counts from the start of the wait');
      assert.ok(input.wait!.forMs > 0 && input.wait!.forMs <= 100, `forMs ${input.wait!.forMs} within the poll cap`);
    }
    const [first, last] = [observations[0]!.at, observations.at(-1)!.at];
    assert.equal(events.slice(first, last).filter((e) => e.timerStartedEventAttributes).length, 0, 'no timer between observations');
    assert.ok(patchIds({ events }).includes(BGP_WAIT_IN_OBSERVATION_PATCH), 'the run records the patch');
  } finally {
    h.faults.tunnelsDown = false;
  }
});
