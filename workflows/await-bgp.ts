/**
 * Waits for BGP Established on every tunnel: one observation per poll, doubling the
 * interval up to a cap, so a 30-minute wait costs a few dozen history events. On the
 * deadline it fails naming each tunnel that is not up and what it last looked like.
 */
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { describeTunnel, type TunnelStatus } from '../domain/tunnel-status.ts';
import type { ObserveTunnelsInput } from '../activities/tunnel-status.ts';
import type { ResourceCalls } from './resource-activities.ts';

export interface BgpWait {
  deadlineSeconds: number;
  pollInitialMs: number;
  pollMaxMs: number;
}

export async function awaitBgpEstablished(
  calls: ResourceCalls,
  input: ObserveTunnelsInput,
  wait: BgpWait,
  onStatus: (tunnels: TunnelStatus[]) => void,
): Promise<void> {
  const deadline = Date.now() + wait.deadlineSeconds * 1000;
  let delay = wait.pollInitialMs;
  for (;;) {
    const tunnels = await calls.observeTunnels(input);
    onStatus(tunnels);
    const down = tunnels.filter((t) => !t.established);
    if (down.length === 0) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw ApplicationFailure.nonRetryable(
        `BGP not established on ${down.length} of ${tunnels.length} tunnels within ${wait.deadlineSeconds}s: ${down.map(describeTunnel).join('; ')}`,
        'BgpDeadlineExceeded',
      );
    }
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, wait.pollMaxMs);
  }
}
