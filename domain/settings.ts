/**
 * Configuration shared by the worker and the API, read from an environment given as
 * an argument (no I/O here). Every variable is documented in README.md.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { payloadCodecFromEnv } from './codec-settings.ts';
import type { AesGcmPayloadCodec } from './payload-codec.ts';
import { TASK_QUEUE } from './mesh-status.ts';
import { temporalConnectionSettings, type TemporalConnectionSettings } from './temporal-connection.ts';

export type Env = Record<string, string | undefined>;

/** Workflow code loads the failure converter from here, in a bundle built at start or ahead of time. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.ts', import.meta.url));

export interface TemporalSettings {
  address: string;
  connection: TemporalConnectionSettings;
  namespace: string;
  taskQueue: string;
  dataConverter: DataConverter;
  codec: AesGcmPayloadCodec;
}

export function temporalSettings(env: Env): TemporalSettings {
  const codec = payloadCodecFromEnv(env);
  const connection = temporalConnectionSettings(env);
  return {
    address: connection.address,
    connection,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.CELLBRIDGE_TASK_QUEUE ?? TASK_QUEUE,
    dataConverter: { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH },
    codec,
  };
}

export function numberSetting(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}
