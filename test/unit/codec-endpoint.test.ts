/** The Web UI's codec endpoint over a keyring: old payloads decode, and one it cannot open is the caller's 400 naming the key id. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runCodec } from '../../api/codec-endpoint.ts';
import { HttpError } from '../../api/http.ts';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';

const k1 = randomBytes(32);
const asJson = (p: { metadata?: Record<string, Uint8Array | null | undefined> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

test('/codec/decode opens a payload sealed with an older key of the ring', async () => {
  const [old] = await new AesGcmPayloadCodec('k1', k1).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') }]);
  const ring = new AesGcmPayloadCodec('k2', randomBytes(32), [{ id: 'k1', key: k1 }]);
  const { payloads } = await runCodec(ring, 'decode', { payloads: [asJson(old!)] });
  assert.equal(Buffer.from(payloads[0]!.data!, 'base64').toString(), '"hello"');
});

test('/codec/decode of a payload of a key the ring does not hold is a 400 naming the key id, not a server error', async () => {
  const [foreign] = await new AesGcmPayloadCodec('k9', randomBytes(32)).encode([{ metadata: {}, data: Buffer.from('x') }]);
  await assert.rejects(runCodec(new AesGcmPayloadCodec('k1', k1), 'decode', { payloads: [asJson(foreign!)] }), (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 400);
    assert.match(String(error.body.message), /key "k9"/);
    assert.ok(!String(error.body.message).includes(k1.toString('base64')));
    return true;
  });
});
