/**
 * How far the worker's V8 heaps may grow past what the last full collection kept before the
 * next one runs. V8 picks the factor itself (up to 4×) and, with the default heap limit of a
 * large machine (4 GiB), seldom collects early: at 100 meshes the main thread's heap, whose
 * live set stays near 200 MiB, grew to 640 MiB of mostly garbage (what activities allocate
 * and drop, and 60 MiB of dropped buffers) before one full collection brought it back to 180,
 * and the worker's resident set peaked at 1160 MiB. A fixed, small factor runs a full
 * collection every several seconds instead, for under a second of pauses in a 100-mesh run,
 * and bounds the peak without a hard ceiling: a heap limit
 * (--max-old-space-size) would crash the worker when more meshes need more, this only paces
 * the collector. Set before the Temporal worker starts its workflow thread, whose heap takes
 * the same flag (V8's flags are per process).
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWTH_VARIABLE = 'CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT';
const DEFAULT_PERCENT = 25;

/** Sets V8's heap growing factor to 1 + percent/100 for this process (0: V8's own, up to 4×); returns the percent. */
export function paceHeapGrowth(env: NodeJS.ProcessEnv): number {
  const raw = env[HEAP_GROWTH_VARIABLE];
  const percent = raw === undefined || raw === '' ? DEFAULT_PERCENT : Math.round(Number(raw));
  if (!Number.isFinite(percent) || percent < 0) throw new Error(`${HEAP_GROWTH_VARIABLE} must be a percent, 0 or more, got "${raw}"`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
