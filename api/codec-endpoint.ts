/**
 * The remote codec the Temporal Web UI and CLI call to show decrypted payloads to an
 * operator (Temporal's codec-server protocol: POST /decode and /encode with
 * {payloads:[{metadata, data}]} in base64).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PayloadCodecError } from '../domain/payload-codec.ts';
import { HttpError } from './http.ts';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export async function runCodec(codec: PayloadCodec, operation: 'encode' | 'decode', body: unknown): Promise<{ payloads: JsonPayload[] }> {
  const payloads = ((body as { payloads?: JsonPayload[] })?.payloads ?? []).map(fromJson);
  try {
    const result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    return { payloads: result.map(toJson) };
  } catch (error) {
    // A payload of a key this process does not hold, or one altered: the caller's to know, by key id.
    if (error instanceof PayloadCodecError) throw new HttpError(400, { error: 'CodecError', message: error.message });
    throw error;
  }
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}
