/**
 * Whether the worker and the API export OpenTelemetry traces: off unless an OTLP endpoint is
 * named, with OpenTelemetry's own variables (the exporter reads the endpoint, headers and
 * timeouts itself; README "Deploy" lists them). OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none
 * turn it off again, as they do in every OpenTelemetry SDK.
 */
import type { Env } from './settings.ts';

export function tracingEnabled(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return [env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT].some((value) => value !== undefined && value.trim() !== '');
}
