/**
 * Configuration shared by the worker and the API, read from an environment given as
 * an argument (no I/O here). Every variable is documented in README.md.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './payload-codec.ts';
import { TASK_QUEUE } from './mesh-status.ts';

export type Env = Record<string, string | undefined>;

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  dataConverter: DataConverter;
  codec: AesGcmPayloadCodec;
}

export function temporalSettings(env: Env): TemporalSettings {
  const key = env.CELLBRIDGE_CODEC_KEY;
  if (!key) throw new Error('CELLBRIDGE_CODEC_KEY is not set: give a base64 AES-256 key (openssl rand -base64 32); payloads are never stored unencrypted');
  const codec = new AesGcmPayloadCodec(env.CELLBRIDGE_CODEC_KEY_ID ?? 'default', Buffer.from(key, 'base64'));
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.CELLBRIDGE_TASK_QUEUE ?? TASK_QUEUE,
    dataConverter: { payloadCodecs: [codec], failureConverterPath: fileURLToPath(new URL('./failure-converter.ts', import.meta.url)) },
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
