/**
 * Optional OpenTelemetry tracing through Temporal's own interceptors
 * (@temporalio/interceptors-opentelemetry): the API's client spans a workflow's start, the
 * workflow spans its run and each activity it schedules, the worker spans each activity's run,
 * all in the trace the API began (the context travels in Temporal headers). Spans leave over
 * OTLP/HTTP to the endpoint OpenTelemetry's variables name (domain/tracing-settings.ts).
 *
 * The workflow side is compiled into every workflow bundle (worker/workflow-code.ts): a
 * prebuilt bundle cannot take interceptors at start, and tracing is switched at start. With
 * tracing off the worker's sink drops the workflow's spans and no other interceptor is added.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { tracingEnabled } from '../domain/tracing-settings.ts';
import type { Env } from '../domain/settings.ts';

export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Sends the spans still queued; before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider and the W3C trace-context propagator the interceptors
 * use, when tracing is on. `serviceName` unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise.
 */
export function startTracing(env: Env, serviceName: string): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const resource = new Resource({ 'service.name': serviceName }).merge(envDetectorSync.detect());
  // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself; the processor OTEL_BSP_*.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { resource, spanProcessor, shutdown: () => provider.shutdown() };
}

/** Spans the client's calls (start, signal, update, query) and hands their context to the workflow. */
export function clientInterceptors(tracing: Tracing | undefined): { workflow: WorkflowClientInterceptor[] } | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** Spans each activity's run under the workflow's span; its log lines carry the trace id. */
export function activityInterceptors(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  return tracing ? [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })] : [];
}

/** The workflow facts a workflow span carries; the rest of WorkflowInfo (memo, last result, failures) stays out of traces. */
const SPAN_INFO = ['namespace', 'taskQueue', 'workflowId', 'runId', 'workflowType', 'attempt'] as const;

/**
 * The sink the bundled workflow interceptors export their spans through. Always registered (the
 * bundle always calls it); with tracing off it drops them. The SDK's exporter copies the
 * workflow's info onto every span as attributes: it gets the listed facts only.
 */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  if (!tracing) return { exporter: { export: { fn: () => undefined } } };
  const exporter = makeWorkflowExporter(tracing.spanProcessor, tracing.resource);
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const facts = Object.fromEntries(SPAN_INFO.map((key) => [key, info[key]]));
          // Typed as the whole WorkflowInfo, but the exporter only copies what it is given onto the spans.
          return exporter.export.fn(facts as unknown as WorkflowInfo, spans);
        },
      },
    },
  };
}
