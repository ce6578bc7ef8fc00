/**
 * Waits for BGP Established on every tunnel: one observation per poll, doubling the
 * interval up to a cap, so a 30-minute wait costs a few dozen history events. On the
 * deadline it fails naming each tunnel that is not up and what it last looked like.
 * With `tolerateFailedObservations`, an observation that fails (a cloud API that does not
 * answer for a while, after the activity's own retries) is one more poll that saw nothing,
 * not the end of the mesh: only the deadline is.
 */
import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import { describeTunnel, type TunnelStatus } from '../domain/tunnel-status.ts';
import type { ObserveTunnelsInput } from '../activities/tunnel-status.ts';
import type { ResourceCalls } from './resource-activities.ts';

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
  const deadline = Date.now() + wait.deadlineSeconds * 1000;
  let delay = wait.pollInitialMs;
  let unobserved: ActivityFailure | undefined;
  for (;;) {
    let tunnels: TunnelStatus[] | undefined;
    try {
      tunnels = await calls.observeTunnels(input);
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
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, wait.pollMaxMs);
  }
}
