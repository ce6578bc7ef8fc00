/**
 * One call on a resource at a time in this worker. A worker that stalls past its
 * heartbeat timeout (a starved CPU, a long pause) is given up on by Temporal, while the
 * stalled attempt still runs. Temporal then starts the next attempt, on this same worker
 * when it is the only one: both would find a tag-identified resource absent and both
 * create it (EC2 takes no idempotency token for those). Or, when the run is failing, the
 * compensation's delete: it would find the resource absent while the stalled create's
 * call is still on the wire, and the resource, made a moment later, would be left to
 * nobody. Or an update's: two writes of one resource at once, which the clouds refuse as
 * another operation in progress or apply in either order. The stalled attempt is cancelled
 * at its next heartbeat, so the next call on the same resource of the same run waits for it
 * to end before it looks at the cloud, though no longer than `patience` lets it: an attempt
 * stuck past that must not hold its successor.
 */
import type { Info } from '@temporalio/activity';

const running = new Map<string, Promise<void>>();

export function resourceKey(info: Info, nodeId: string): string {
  return `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${nodeId}`;
}

export async function afterEarlierCall<T>(key: string, patience: (earlier: Promise<void>) => Promise<void>, fn: () => Promise<T>): Promise<T> {
  const earlier = running.get(key);
  const mine = (async () => {
    if (earlier) await patience(earlier);
    return fn();
  })();
  const settled = mine.then(() => undefined, () => undefined);
  running.set(key, settled);
  try {
    return await mine;
  } finally {
    if (running.get(key) === settled) running.delete(key);
  }
}
