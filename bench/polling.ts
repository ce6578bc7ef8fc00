/**
 * How often a waiting resource is looked at on this stack: the granularity that every
 * gap between the measured time and the critical path is made of. Read from the
 * worker's actual environment, and from the ARM emulator's Retry-After rule.
 */
import type { Endpoints } from '../sim/stack.ts';

export interface Polling {
  /** The ARM emulator's Retry-After: 10 real seconds ÷ time scale, in whole seconds and at least 1 (sim/azure/engine.ts retryAfter, sim/azure/server.ts default). The Azure SDK pollers wait exactly this. */
  azureRetryAfterS: number;
  /** The engine's describe backoff (activities/poll-backoff.ts; factor 1.5 in worker/main.ts). */
  aws: { initialMs: number; maxMs: number; factor: number };
  /** The BGP wait's observation backoff (workflows/await-bgp.ts, doubling). */
  bgp: { initialMs: number; maxMs: number };
}

export function pollingOf(e: Endpoints): Polling {
  const env = e.productEnv;
  return {
    azureRetryAfterS: Math.max(1, Math.round(10 / e.timeScale)),
    aws: { initialMs: Number(env.CELLBRIDGE_POLL_INITIAL_MS), maxMs: Number(env.CELLBRIDGE_POLL_MAX_MS), factor: 1.5 },
    bgp: { initialMs: Number(env.CELLBRIDGE_BGP_POLL_INITIAL_MS), maxMs: Number(env.CELLBRIDGE_BGP_POLL_MAX_MS) },
  };
}

export function describePolling(p: Polling, timeScale: number): string {
  return `Azure LROs polled every ${p.azureRetryAfterS} s (Retry-After; ${p.azureRetryAfterS * timeScale} s real), AWS describes ${p.aws.initialMs} → ${p.aws.maxMs} ms ×${p.aws.factor}, BGP observations ${p.bgp.initialMs} → ${p.bgp.maxMs} ms ×2, each through an Azure LRO`;
}

/** Which of those applies to a step of the chain. */
export function pollingForKind(kind: string, p: Polling): string {
  if (kind.startsWith('azure.')) return `ARM LRO polled every ${p.azureRetryAfterS} s`;
  if (kind.startsWith('aws.')) return `describe backoff ${p.aws.initialMs} → ${p.aws.maxMs} ms`;
  if (kind === 'bgp') return `observations ${p.bgp.initialMs} → ${p.bgp.maxMs} ms apart, each an LRO polled after ${p.azureRetryAfterS} s`;
  return 'no emulated latency';
}
