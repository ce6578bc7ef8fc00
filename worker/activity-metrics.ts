/**
 * Observes activities as the worker runs them: each resource operation's duration, and
 * the time a mesh's tunnels take to reach BGP Established. The workflow polls
 * observeTunnels until every tunnel is established; the first poll of a workflow run
 * starts its clock here and the first all-established answer stops it. A worker that
 * did not see the first poll (another worker did, or it restarted) measures from its own
 * first poll: a shorter time, never a wrong mesh. A run is remembered once established, so
 * a later poll (a retried wait) does not count it again; the oldest runs are forgotten past
 * a bound, so runs that never establish (rolled back) do not grow the map.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { resourceOperationOf } from '../domain/metric-labels.ts';
import type { TunnelStatus } from '../domain/tunnel-status.ts';
import type { WorkerMetrics } from './metrics.ts';

const REMEMBERED_RUNS = 10_000;

export function activityMetrics(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  /** Per workflow run: when its first poll started, or 'established'. */
  const bgpWait = new Map<string, number | 'established'>();
  return (context: Context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, workflowExecution } = context.info;
        const operation = resourceOperationOf(activityType);
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        if (activityType === 'observeTunnels') {
          const run = `${workflowExecution?.workflowId}/${workflowExecution?.runId}`;
          if (!bgpWait.has(run)) remember(bgpWait, run, started);
          const tunnels = (await next(input)) as TunnelStatus[];
          const since = bgpWait.get(run);
          if (typeof since === 'number' && tunnels.length > 0 && tunnels.every((t) => t.established)) {
            metrics.bgpEstablished.observe((performance.now() - since) / 1000);
            bgpWait.set(run, 'established');
          }
          return tunnels;
        }
        if (!operation) return next(input);
        try {
          const result = await next(input);
          metrics.resourceOperation.observe({ ...operation, outcome: 'ok' }, seconds());
          return result;
        } catch (error) {
          metrics.resourceOperation.observe({ ...operation, outcome: 'error' }, seconds());
          throw error;
        }
      },
    },
  });
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > REMEMBERED_RUNS) map.delete(map.keys().next().value!);
}
