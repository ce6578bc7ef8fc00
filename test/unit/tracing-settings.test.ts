/** When the worker and the API export traces: only with an OTLP endpoint named, and never when OpenTelemetry's own off switches say so. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tracingEnabled } from '../../domain/tracing-settings.ts';

const cases: [what: string, env: Record<string, string>, enabled: boolean][] = [
  ['nothing set (the default)', {}, false],
  ['an empty endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, false],
  ['the OTLP endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  ['the traces endpoint only', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
  ['an endpoint with OTEL_SDK_DISABLED=true', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
  ['an endpoint with OTEL_SDK_DISABLED=false', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' }, true],
  ['an endpoint with OTEL_TRACES_EXPORTER=none', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
  ['only a service name', { OTEL_SERVICE_NAME: 'cellbridge' }, false],
];

for (const [what, env, enabled] of cases) {
  test(`tracing is ${enabled ? 'on' : 'off'} with ${what}`, () => {
    assert.equal(tracingEnabled(env), enabled);
  });
}
