/**
 * AES-256-GCM payload encryption for everything the worker and API exchange through
 * Temporal (the shape of Temporal's encryption sample). Workflow inputs, results,
 * query answers and failure messages are ciphertext on the server and in the Web UI,
 * unless the UI is pointed at the API's codec endpoint by an operator who holds a token.
 *
 * A keyring, so the key can be rotated under live meshes: new payloads are sealed with
 * the current key; a payload names its key by id in its metadata and is opened with
 * that key as long as the ring still holds it. Payloads of codec version 2 bind the key
 * id into the GCM tag as associated data, so a payload relabelled with another key id
 * (even one holding the same key material) fails to open. Payloads written before the
 * keyring (no version in their metadata) carry no associated data and still open: a
 * live mesh's history holds them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS; its namespaces hang off the default export under ESM.
const { temporal } = proto;

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
/** Absent on payloads of the first codec (no associated data). */
const VERSION = 'encryption-codec-version';
const CURRENT_VERSION = '2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** A payload this process cannot open; the message names key ids and versions, never key material. */
export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys = new Map<string, Buffer>();

  /**
   * `keyId`/`key` is the current key, which seals every new payload; `older` keys only
   * open payloads sealed with them.
   */
  constructor(
    private readonly keyId: string,
    key: Buffer,
    older: readonly CodecKey[] = [],
  ) {
    for (const k of [{ id: keyId, key }, ...older]) {
      if (k.key.length !== 32) throw new PayloadCodecError(`the payload codec key "${k.id}" must be 32 bytes (AES-256), got ${k.key.length}`);
      if (this.keys.has(k.id)) throw new PayloadCodecError(`payload codec key id "${k.id}" is given twice`);
      this.keys.set(k.id, k.key);
    }
  }

  /** The ids this codec can open, current first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.keyId)!;
    return payloads.map((payload) => ({
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.keyId), [VERSION]: Buffer.from(CURRENT_VERSION) },
      data: seal(key, associatedData(this.keyId), Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish())),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload, METADATA_ENCODING_KEY) !== ENCODING) return payload;
      const keyId = text(payload, KEY_ID);
      const version = text(payload, VERSION);
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadCodecError(`payload was encrypted with key "${keyId}", which this process does not hold (it holds ${this.keyIds.map((id) => `"${id}"`).join(', ')}); add that key to the keyring (CELLBRIDGE_CODEC_KEYS)`);
      if (version !== '' && version !== CURRENT_VERSION) throw new PayloadCodecError(`payload has codec version "${version}", which this process does not know (it reads 1 and ${CURRENT_VERSION})`);
      // Version 1 payloads were sealed without associated data.
      const aad = version === '' ? undefined : associatedData(keyId);
      let plain: Buffer;
      try {
        plain = open(key, aad, Buffer.from(payload.data ?? []));
      } catch {
        throw new PayloadCodecError(`payload labelled with key "${keyId}" does not open with that key: it was altered, relabelled, or sealed with another key of that id`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** What GCM authenticates beside the ciphertext: the codec version and the key id. */
function associatedData(keyId: string): Buffer {
  return Buffer.from(`cellbridge-payload-codec/${CURRENT_VERSION}\0${keyId}`);
}

function text(payload: Payload, key: string): string {
  return Buffer.from(payload.metadata?.[key] ?? []).toString();
}

function seal(key: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, aad: Buffer | undefined, sealed: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}
