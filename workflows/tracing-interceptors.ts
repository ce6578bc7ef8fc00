/**
 * The workflow side of OpenTelemetry tracing (worker/tracing.ts): the SDK's interceptors span a
 * workflow's run, its handlers and what it schedules, and pass the trace to its activities in
 * their headers. Bundled into every workflow (worker/workflow-code.ts).
 *
 * Gated by a patch, per run: the interceptors' async wrappers resolve handlers and activities a
 * few microtasks later, which reorders the commands of a recorded history (an Update completed
 * before a timer started, replayed with them, completes after it). A run recorded without the
 * marker passes every call straight through, the same promise, as if they were not there.
 * Only a run whose starter traces (its start carries the trace header) turns them on, so a
 * deployment without tracing runs its workflows exactly as without the interceptors.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { patched, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { TRACING_ONLY_WHEN_TRACED_PATCH, TRACING_PATCH } from './patches.ts';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let traced = false;
  const on = () => traced;
  return {
    inbound: [
      // First in the chain: a run decides once, as it starts, before any other call reaches the gates below.
      {
        execute: (input, next) => {
          traced = patched(TRACING_ONLY_WHEN_TRACED_PATCH) ? TRACE_HEADER in input.headers && patched(TRACING_PATCH) : patched(TRACING_PATCH);
          return next(input);
        },
      },
      gated(new OpenTelemetryInboundInterceptor(), on),
    ],
    outbound: [gated(new OpenTelemetryOutboundInterceptor(), on)],
    internals: [gated(new OpenTelemetryInternalsInterceptor(), on)],
  };
};

type Method = (input: unknown, next: (input: unknown) => unknown) => unknown;

/**
 * Calls a workflow serves only live, never on replay: an Update's validator (an accepted
 * Update is not validated again, a refused one leaves no event) and a query. A span made
 * there draws on the workflow's random source, which the replay then does not, so every
 * later command may come out differently: a run that had refused an Update failed to replay
 * (TMPRL1100, test/workflow/traced-refused-update.test.ts). They are never traced.
 */
const LIVE_ONLY = new Set<string | symbol>(['validateUpdate', 'handleQuery']);

/** `interceptor`'s methods while `on()` (but the live-only ones); otherwise each call goes to the next interceptor unchanged. */
function gated<T extends object>(interceptor: T, on: () => boolean): T {
  return new Proxy(interceptor, {
    get(target, name) {
      const method: unknown = Reflect.get(target, name);
      if (typeof method !== 'function') return method;
      const call: Method = (input, next) => (on() && !LIVE_ONLY.has(name) ? (method as Method).call(target, input, next) : next(input));
      return call;
    },
  });
}
