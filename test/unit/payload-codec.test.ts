/**
 * The payload codec as a keyring. Old payloads are made here with node:crypto exactly as
 * the first codec wrote them (no version, no associated data), and new ones are opened
 * with node:crypto directly, so the wire format is judged outside the codec.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';

const { temporal } = proto;
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const plain = (text: string): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(text) });
const meta = (p: Payload, key: string) => Buffer.from(p.metadata?.[key] ?? []).toString();
const textOf = (p: Payload | undefined) => Buffer.from(p?.data ?? []).toString();

/** A payload as the first codec sealed it: IV ‖ ciphertext ‖ tag, no associated data, no version. */
function sealedByFirstCodec(keyId: string, key: Buffer, text: string): Payload {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(plain(text)).finish()), cipher.final()]);
  return { metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from(keyId) }, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
}

/** Opens a sealed payload with node:crypto; `aad` as the codec documents it. */
function openDirectly(key: Buffer, aad: Buffer | undefined, sealed: Uint8Array): string {
  const data = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - 16));
  const inner = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
  return Buffer.from(temporal.api.common.v1.Payload.decode(inner).data ?? []).toString();
}

const relabel = (p: Payload, changes: Record<string, string | undefined>): Payload => {
  const metadata = { ...p.metadata };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete metadata[k];
    else metadata[k] = Buffer.from(v);
  }
  return { ...p, metadata };
};

test('encoded payloads hide their content and decode back to the original', async () => {
  const codec = new AesGcmPayloadCodec('k1', k1);
  const [encoded] = await codec.encode([plain('{"psk":"Secret.Key_123"}')]);
  assert.equal(Buffer.from(encoded!.data!).includes('Secret.Key_123'), false);
  assert.equal(meta(encoded!, 'encryption-key-id'), 'k1');
  assert.equal(textOf((await codec.decode([encoded!]))[0]), '{"psk":"Secret.Key_123"}');
});

test('key rotation: payloads sealed with k1 (first codec and keyring) still decode after k2 becomes current, and new payloads are sealed with k2 only, bound to its id', async () => {
  const before = new AesGcmPayloadCodec('k1', k1);
  const [sealedWithK1] = await before.encode([plain('"written with k1"')]);
  const fromFirstCodec = sealedByFirstCodec('k1', k1, '"written by the first codec"');

  const rotated = new AesGcmPayloadCodec('k2', k2, [{ id: 'k1', key: k1 }]);
  assert.deepEqual(rotated.keyIds, ['k2', 'k1']);
  const decoded = await rotated.decode([sealedWithK1!, fromFirstCodec]);
  assert.deepEqual(decoded.map(textOf), ['"written with k1"', '"written by the first codec"']);

  const [fresh] = await rotated.encode([plain('"written with k2"')]);
  assert.equal(meta(fresh!, 'encryption-key-id'), 'k2');
  assert.equal(meta(fresh!, 'encryption-codec-version'), '2');
  assert.equal(openDirectly(k2, Buffer.from('cellbridge-payload-codec/2\0k2'), fresh!.data!), '"written with k2"');
  assert.throws(() => openDirectly(k2, undefined, fresh!.data!), 'the key id is authenticated: without it the tag does not verify');
  assert.throws(() => openDirectly(k1, Buffer.from('cellbridge-payload-codec/2\0k2'), fresh!.data!), 'not sealed with k1');
  assert.equal(textOf((await rotated.decode([fresh!]))[0]), '"written with k2"');
});

const refusals: [what: string, make: () => Promise<Payload>, holder: AesGcmPayloadCodec, message: RegExp][] = [
  [
    'a keyring payload relabelled with another key id of the ring',
    async () => relabel((await new AesGcmPayloadCodec('k1', k1).encode([plain('x')]))[0]!, { 'encryption-key-id': 'k2' }),
    new AesGcmPayloadCodec('k2', k2, [{ id: 'k1', key: k1 }]),
    /labelled with key "k2" does not open/,
  ],
  [
    'a keyring payload relabelled with an id holding the same key material (only the associated data can tell)',
    async () => relabel((await new AesGcmPayloadCodec('k1', k1).encode([plain('x')]))[0]!, { 'encryption-key-id': 'k1-copy' }),
    new AesGcmPayloadCodec('k1', k1, [{ id: 'k1-copy', key: k1 }]),
    /labelled with key "k1-copy" does not open/,
  ],
  [
    'a keyring payload stripped of its version to pass as a first-codec payload',
    async () => relabel((await new AesGcmPayloadCodec('k1', k1).encode([plain('x')]))[0]!, { 'encryption-codec-version': undefined }),
    new AesGcmPayloadCodec('k1', k1),
    /labelled with key "k1" does not open/,
  ],
  [
    'a tampered ciphertext',
    async () => {
      const [p] = await new AesGcmPayloadCodec('k1', k1).encode([plain('x')]);
      return { ...p!, data: Buffer.from(p!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    },
    new AesGcmPayloadCodec('k1', k1),
    /does not open/,
  ],
  [
    'a payload of a key id the ring does not hold',
    async () => (await new AesGcmPayloadCodec('k9', randomBytes(32)).encode([plain('x')]))[0]!,
    new AesGcmPayloadCodec('k2', k2, [{ id: 'k1', key: k1 }]),
    /^payload was encrypted with key "k9", which this process does not hold \(it holds "k2", "k1"\)/,
  ],
  [
    'a codec version this process does not know',
    async () => relabel((await new AesGcmPayloadCodec('k1', k1).encode([plain('x')]))[0]!, { 'encryption-codec-version': '3' }),
    new AesGcmPayloadCodec('k1', k1),
    /codec version "3"/,
  ],
];

for (const [what, make, holder, message] of refusals) {
  test(`refuses ${what}, with a message that names ids and no key material`, async () => {
    const payload = await make();
    await assert.rejects(holder.decode([payload]), (error: Error) => {
      assert.match(error.message, message);
      for (const key of [k1, k2]) {
        assert.ok(!error.message.includes(key.toString('base64')) && !error.message.includes(key.toString('hex')), 'no key material in the message');
      }
      return true;
    });
  });
}

test('a key that is not 256 bits, or one id given twice, is refused at construction', () => {
  assert.throws(() => new AesGcmPayloadCodec('k', randomBytes(16)), /"k" must be 32 bytes/);
  assert.throws(() => new AesGcmPayloadCodec('k', k1, [{ id: 'k', key: k2 }]), /"k" is given twice/);
});
