/**
 * Waits for BGP Established on every tunnel. Each observation waits inside its activity for
 * up to the poll cap (activities/tunnel-status.ts: polled around BGP's expected convergence,
 * not on workflow timers, which fire late), so the status is refreshed at least that often and
 * a 30-minute wait costs a few dozen history events. Runs recorded before that
 * (BGP_WAIT_IN_OBSERVATION_PATCH) observe once per poll, the workflow sleeping between, the
 * interval doubling up to the cap. On the
 * deadline it fails naming each tunnel that is not up and what it last looked like.
 * With `tolerateFailedObservations`, an observation that fails (a cloud API that does not
 * answer for a while, after the activity's own retries) is one more poll that saw nothing,
 * not the end of the mesh: only the deadline is.
 */
import { ActivityFailure, ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import { describeTunnel, type TunnelStatus } from '../domain/tunnel-status.ts';
import type { ObserveTunnelsInput } from '../activities/tunnel-status.ts';
import { BGP_WAIT_IN_OBSERVATION_PATCH } from './patches.ts';
import type { ResourceCalls } from './resource-activities.ts';

/** Well inside the observation activity's start-to-close timeout (2 minutes, workflows/resource-activities.ts). */
const MAX_WAIT_INSIDE_MS = 60_000;

export interface BgpWait {
  deadlineSeconds: number;
  pollInitialMs: number;
  pollMaxMs: number;
  tolerateFailedObservations?: boolean;
}

export async function awaitBgpEstablished(
  calls: ResourceCalls,
  input: ObserveTunnelsInput,
  wait: BgpWait,
  onStatus: (tunnels: TunnelStatus[]) => void,
): Promise<void> {
  const since = Date.now();
  const deadline = since + wait.deadlineSeconds * 1000;
  const waitInside = patched(BGP_WAIT_IN_OBSERVATION_PATCH);
  let delay = wait.pollInitialMs;
  let unobserved: ActivityFailure | undefined;
  for (;;) {
    let tunnels: TunnelStatus[] | undefined;
    try {
      const forMs = Math.max(0, Math.min(wait.pollMaxMs, MAX_WAIT_INSIDE_MS, deadline - Date.now()));
      tunnels = await calls.observeTunnels(waitInside ? { ...input, wait: { sinceMs: since, forMs } } : input);
      unobserved = undefined;
    } catch (error) {
      if (!wait.tolerateFailedObservations || !(error instanceof ActivityFailure)) throw error;
      unobserved = error;
    }
    if (tunnels) onStatus(tunnels);
    const down = tunnels?.filter((t) => !t.established);
    if (down?.length === 0) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const why = down && tunnels
        ? `BGP not established on ${down.length} of ${tunnels.length} tunnels within ${wait.deadlineSeconds}s: ${down.map(describeTunnel).join('; ')}`
        : `BGP state could not be read within ${wait.deadlineSeconds}s: ${unobserved?.cause?.message ?? unobserved?.message}`;
      throw ApplicationFailure.nonRetryable(why, 'BgpDeadlineExceeded');
    }
    // An observation that waited inside its activity is followed by the next at once; one that failed, after a pause.
    if (waitInside && tunnels) continue;
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, wait.pollMaxMs);
  }
}
