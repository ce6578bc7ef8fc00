import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';

const payload = (text: string) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(text) });

test('encoded payloads hide their content and decode back to the original', async () => {
  const codec = new AesGcmPayloadCodec('k1', randomBytes(32));
  const [encoded] = await codec.encode([payload('{"psk":"Secret.Key_123"}')]);
  assert.ok(encoded);
  assert.equal(Buffer.from(encoded.data!).includes('Secret.Key_123'), false);
  assert.equal(Buffer.from(encoded.metadata!['encryption-key-id']!).toString(), 'k1');
  const [decoded] = await codec.decode([encoded]);
  assert.equal(Buffer.from(decoded!.data!).toString(), '{"psk":"Secret.Key_123"}');
});

test('a tampered payload or another key is refused, not silently decoded', async () => {
  const codec = new AesGcmPayloadCodec('k1', randomBytes(32));
  const [encoded] = await codec.encode([payload('x')]);
  const tampered = { ...encoded!, data: Buffer.from(encoded!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
  await assert.rejects(codec.decode([tampered]));
  await assert.rejects(new AesGcmPayloadCodec('k2', randomBytes(32)).decode([encoded!]), /encrypted with key "k1"/);
  await assert.rejects(new AesGcmPayloadCodec('k1', randomBytes(32)).decode([encoded!]));
});

test('a key that is not 256 bits is refused at construction', () => {
  assert.throws(() => new AesGcmPayloadCodec('k', randomBytes(16)), /32 bytes/);
});
