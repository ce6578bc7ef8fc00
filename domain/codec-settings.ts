/**
 * The payload codec's keys from the environment (README "Configuration"), no I/O:
 * - `CELLBRIDGE_CODEC_KEYS=id1:<base64>,id2:<base64>` — the keyring, with
 *   `CELLBRIDGE_CODEC_KEY_ID` naming the current key (the one that seals new payloads;
 *   optional when the ring has one key). Keep retired keys in the ring while any
 *   history still holds payloads sealed with them.
 * - `CELLBRIDGE_CODEC_KEY=<base64>` with `CELLBRIDGE_CODEC_KEY_ID` (default `default`) —
 *   the single-key form, a ring of one.
 * Errors name variables and key ids, never key material.
 */
import { AesGcmPayloadCodec, type CodecKey } from './payload-codec.ts';

type Env = Record<string, string | undefined>;

// Standard or URL-safe alphabet: Buffer decodes both, as the single-key form always did.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function payloadCodecFromEnv(env: Env): AesGcmPayloadCodec {
  const ring = env.CELLBRIDGE_CODEC_KEYS?.trim() || undefined;
  const single = env.CELLBRIDGE_CODEC_KEY?.trim() || undefined;
  const currentId = env.CELLBRIDGE_CODEC_KEY_ID?.trim() || undefined;
  if (ring && single) throw new Error('give either CELLBRIDGE_CODEC_KEYS (the keyring) or CELLBRIDGE_CODEC_KEY (one key), not both');
  if (!ring && !single) {
    throw new Error('CELLBRIDGE_CODEC_KEY is not set: give a base64 AES-256 key (openssl rand -base64 32), or a keyring in CELLBRIDGE_CODEC_KEYS; payloads are never stored unencrypted');
  }
  const keys = ring ? parseKeyring(ring) : [{ id: currentId ?? 'default', key: decodeKey('CELLBRIDGE_CODEC_KEY', single!) }];
  const current = currentKey(keys, currentId);
  return new AesGcmPayloadCodec(current.id, current.key, keys.filter((k) => k !== current));
}

function parseKeyring(ring: string): CodecKey[] {
  const seen = new Set<string>();
  return ring.split(',').map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    if (id === '') throw new Error(`CELLBRIDGE_CODEC_KEYS entry ${i + 1} is not <id>:<base64 key>`);
    if (seen.has(id)) throw new Error(`CELLBRIDGE_CODEC_KEYS names key "${id}" twice`);
    seen.add(id);
    return { id, key: decodeKey(`CELLBRIDGE_CODEC_KEYS key "${id}"`, entry.slice(colon + 1).trim()) };
  });
}

function decodeKey(what: string, base64: string): Buffer {
  if (!BASE64.test(base64)) throw new Error(`${what} is not base64`);
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`${what} must be 32 bytes (AES-256), got ${key.length}`);
  return key;
}

function currentKey(keys: CodecKey[], currentId: string | undefined): CodecKey {
  if (currentId === undefined) {
    if (keys.length === 1) return keys[0]!;
    throw new Error(`CELLBRIDGE_CODEC_KEY_ID must name the current key among ${keys.map((k) => `"${k.id}"`).join(', ')}`);
  }
  const current = keys.find((k) => k.id === currentId);
  if (!current) throw new Error(`CELLBRIDGE_CODEC_KEY_ID "${currentId}" is not in the keyring (${keys.map((k) => `"${k.id}"`).join(', ')})`);
  return current;
}
