/** The codec's configuration: the single-key form still works, the keyring form, and clear errors that never carry key material. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { payloadCodecFromEnv } from '../../domain/codec-settings.ts';

const a = randomBytes(32).toString('base64');
const b = randomBytes(32).toString('base64');

const accepted: [what: string, env: Record<string, string>, ids: string[]][] = [
  ['the single-key form with its id', { CELLBRIDGE_CODEC_KEY: a, CELLBRIDGE_CODEC_KEY_ID: 'local-stack' }, ['local-stack']],
  ['the single-key form without an id (id "default", as before)', { CELLBRIDGE_CODEC_KEY: a }, ['default']],
  ['the single-key form beside an empty keyring variable', { CELLBRIDGE_CODEC_KEY: a, CELLBRIDGE_CODEC_KEYS: '', CELLBRIDGE_CODEC_KEY_ID: 'k1' }, ['k1']],
  ['a keyring with the current key named', { CELLBRIDGE_CODEC_KEYS: `k1:${a},k2:${b}`, CELLBRIDGE_CODEC_KEY_ID: 'k2' }, ['k2', 'k1']],
  ['a keyring of one key without a current id', { CELLBRIDGE_CODEC_KEYS: `k1:${a}` }, ['k1']],
  ['a keyring with spaces around entries', { CELLBRIDGE_CODEC_KEYS: ` k1:${a} , k2:${b} `, CELLBRIDGE_CODEC_KEY_ID: 'k1' }, ['k1', 'k2']],
  ['a URL-safe base64 key', { CELLBRIDGE_CODEC_KEY: Buffer.alloc(32, 0xfb).toString('base64url') }, ['default']],
];

for (const [what, env, ids] of accepted) {
  test(`accepts ${what}: current key first`, () => {
    assert.deepEqual(payloadCodecFromEnv(env).keyIds, ids);
  });
}

const refused: [what: string, env: Record<string, string>, message: RegExp][] = [
  ['no key at all', {}, /CELLBRIDGE_CODEC_KEY is not set/],
  ['both forms at once', { CELLBRIDGE_CODEC_KEY: a, CELLBRIDGE_CODEC_KEYS: `k1:${b}` }, /either CELLBRIDGE_CODEC_KEYS .* or CELLBRIDGE_CODEC_KEY/],
  ['a keyring of two keys without a current id', { CELLBRIDGE_CODEC_KEYS: `k1:${a},k2:${b}` }, /CELLBRIDGE_CODEC_KEY_ID must name the current key among "k1", "k2"/],
  ['a current id that is not in the ring', { CELLBRIDGE_CODEC_KEYS: `k1:${a}`, CELLBRIDGE_CODEC_KEY_ID: 'k3' }, /CELLBRIDGE_CODEC_KEY_ID "k3" is not in the keyring \("k1"\)/],
  ['an entry without an id', { CELLBRIDGE_CODEC_KEYS: `k1:${a},${b}` }, /entry 2 is not <id>:<base64 key>/],
  ['one id twice', { CELLBRIDGE_CODEC_KEYS: `k1:${a},k1:${b}`, CELLBRIDGE_CODEC_KEY_ID: 'k1' }, /names key "k1" twice/],
  ['a key of 128 bits in the ring', { CELLBRIDGE_CODEC_KEYS: `k1:${a},short:${randomBytes(16).toString('base64')}`, CELLBRIDGE_CODEC_KEY_ID: 'k1' }, /key "short" must be 32 bytes \(AES-256\), got 16/],
  ['a single key of 128 bits', { CELLBRIDGE_CODEC_KEY: randomBytes(16).toString('base64') }, /CELLBRIDGE_CODEC_KEY must be 32 bytes/],
  ['a key that is not base64', { CELLBRIDGE_CODEC_KEYS: `k1:${a.slice(0, 20)}!!${a.slice(22)}` }, /key "k1" is not base64/],
];

for (const [what, env, message] of refused) {
  test(`refuses ${what}, naming variables and ids, never key material`, () => {
    assert.throws(() => payloadCodecFromEnv(env), (error: Error) => {
      assert.match(error.message, message);
      assert.ok(!error.message.includes(a) && !error.message.includes(b), 'no key in the message');
      return true;
    });
  });
}
