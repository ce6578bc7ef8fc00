/**
 * How often a waiting resource is looked at on this stack: the granularity that every
 * gap between the measured time and the critical path is made of. Read from the
 * worker's actual environment, and from the ARM emulator's Retry-After rule.
 */
import { FAR_CEILINGS } from '../activities/poll-backoff.ts';
import type { Endpoints } from '../sim/stack.ts';

export interface Polling {
  /** The ARM emulator's Retry-After: 10 real seconds ÷ time scale, as `retry-after-ms` (sim/azure/engine.ts retryAfterHeaders, sim/azure/server.ts default). Azure operations wait at least this between polls. */
  azureRetryAfterMs: number;
  /** The backoff of the engine's describes and of Azure operations' polls (activities/poll-backoff.ts, activities/azure/lro.ts; factor 1.5 in worker/main.ts): from each operation's expected end on (domain/poll-schedule.ts), and for kinds with no expected duration. */
  aws: { initialMs: number; maxMs: number; factor: number };
  /** The BGP wait's observation backoff (workflows/await-bgp.ts, doubling). */
  bgp: { initialMs: number; maxMs: number };
}

export function pollingOf(e: Endpoints): Polling {
  const env = e.productEnv;
  return {
    azureRetryAfterMs: Math.round(10_000 / e.timeScale),
    aws: { initialMs: Number(env.CELLBRIDGE_POLL_INITIAL_MS), maxMs: Number(env.CELLBRIDGE_POLL_MAX_MS), factor: 1.5 },
    bgp: { initialMs: Number(env.CELLBRIDGE_BGP_POLL_INITIAL_MS), maxMs: Number(env.CELLBRIDGE_BGP_POLL_MAX_MS) },
  };
}

export function describePolling(p: Polling, timeScale: number): string {
  return `AWS describes and Azure LRO polls growing ×${p.aws.factor} from ${p.aws.initialMs} ms up to ${FAR_CEILINGS * p.aws.maxMs} ms, never past the kind's expected end, then ${p.aws.initialMs} → ${p.aws.maxMs} ms (Azure's no sooner than Retry-After ${p.azureRetryAfterMs} ms, ${Math.round((p.azureRetryAfterMs * timeScale) / 1000)} s real), BGP awaited inside observations of up to ${p.bgp.maxMs} ms, polled like an operation expected to end at BGP's convergence, AWS alone while it shows a tunnel down, then the Azure LRO too`;
}

/** Which of those applies to a step of the chain. */
export function pollingForKind(kind: string, p: Polling): string {
  if (kind.startsWith('azure.')) return `ARM LRO polled around its expected end, then with backoff ${Math.max(p.aws.initialMs, p.azureRetryAfterMs)} ms ×${p.aws.factor}`;
  if (kind.startsWith('aws.')) return `describes around its expected end, then backoff ${p.aws.initialMs} → ${p.aws.maxMs} ms`;
  if (kind === 'bgp') return `each observation waits inside its activity up to ${p.bgp.maxMs} ms, polling around the expected convergence; Azure's BGP peer status (an LRO) read once AWS shows every tunnel up`;
  return 'no emulated latency';
}
