// The next root of a root rotation in Secrets Manager on the proving ground (Moto): one a failed
// rotation left is reused when it is of the spec's key type (a retry finishes that move), and
// replaced by one of the spec's key type when the key type changed since; a malformed one fails
// naming the secret. Key types are judged with node's X509Certificate, not the product's code.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { createRootCa } from '../../activities/pki/certificate-authority.ts';
import { readRoot, storeRoot } from '../../activities/pki/root-store.ts';
import { RootSuccession } from '../../activities/rotation/root-succession.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { nextRootSecretName, rootSecretName } from '../../domain/pki-profile.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';

const REGION = 'us-east-1';
const NEXT_TAGS = { 'cellbridge:mesh': 'm1', 'cellbridge:purpose': 'next-root' };

let moto: MotoHandle;
let secrets: SecretsManagerClient;
let succession: RootSuccession;

/** The key type of a PEM certificate, as node reads it. */
function keyTypeOf(certPem: string): string {
  const key = new X509Certificate(certPem).publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === 'ec' ? `ec ${details.namedCurve}` : `${key.asymmetricKeyType} ${details.modulusLength}`;
}

const fingerprintOf = (certPem: string) => new X509Certificate(certPem).fingerprint256.replaceAll(':', '').toLowerCase();

before(async () => {
  moto = await startMoto({ timeScale: 1000, logFile: '.stack/root-succession-test.log' });
  secrets = new SecretsManagerClient({ endpoint: moto.url, region: REGION, credentials: { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' }, maxAttempts: 1 });
  succession = new RootSuccession({ secretsManager: () => secrets } as unknown as CloudClients);
});

after(async () => {
  secrets?.destroy();
  await moto?.stop();
});

/** A mesh's current root, and the next root a failed rotation left beside it with the given key type. */
async function failedRotation(mesh: string, leftKeyType: 'ECDSA_P256' | 'RSA_4096') {
  const current = rootSecretName(mesh);
  await storeRoot({ secretsManager: () => secrets }, REGION, current, await createRootCa({ mesh, keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() }), { 'cellbridge:mesh': mesh });
  const left = await createRootCa({ mesh, keyType: leftKeyType, validityDays: 3650, now: new Date() });
  await storeRoot({ secretsManager: () => secrets }, REGION, nextRootSecretName(current), left, NEXT_TAGS);
  return { current, left };
}

describe('the next root a failed root rotation left', () => {
  test('of another key type than the spec now asks for (ECDSA P-256 left, RSA_4096 asked): replaced by an RSA 4096 root, which a retry then keeps', async () => {
    const { current, left } = await failedRotation('kt-change', 'ECDSA_P256');
    const fingerprint = await succession.prepare(REGION, current, { mesh: 'kt-change', keyType: 'RSA_4096', validityDays: 3650 });
    const next = await readRoot({ secretsManager: () => secrets }, REGION, nextRootSecretName(current));
    assert.equal(keyTypeOf(next.certPem), 'rsa 4096', 'the rotation would end on the key type the failed rotation was made with');
    assert.notEqual(fingerprint, fingerprintOf(left.certPem));
    assert.equal(fingerprint, fingerprintOf(next.certPem), 'prepare returns the fingerprint of the root now stored');
    const again = await succession.prepare(REGION, current, { mesh: 'kt-change', keyType: 'RSA_4096', validityDays: 3650 });
    assert.equal(again, fingerprint, 'a retried prepare keeps the replacement');
  });

  test('of the key type the spec asks for (ECDSA P-256): reused as it is, so a retry finishes the move its cells may already trust', async () => {
    const { current, left } = await failedRotation('kt-same', 'ECDSA_P256');
    const fingerprint = await succession.prepare(REGION, current, { mesh: 'kt-same', keyType: 'ECDSA_P256', validityDays: 3650 });
    assert.equal(fingerprint, fingerprintOf(left.certPem));
    assert.deepEqual(await readRoot({ secretsManager: () => secrets }, REGION, nextRootSecretName(current)), left);
  });

  test('malformed (its certPem is no certificate): prepare fails, non-retryable, naming the secret, and replaces nothing', async () => {
    const current = rootSecretName('kt-bad');
    const name = nextRootSecretName(current);
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ certPem: 'SECRET-MATERIAL', keyPem: 'x' }) }));
    await assert.rejects(succession.prepare(REGION, current, { mesh: 'kt-bad', keyType: 'RSA_4096', validityDays: 3650 }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'pki.RootSecretMalformed');
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /cellbridge\/kt-bad\/root-ca-next/);
      assert.doesNotMatch(error.message, /SECRET-MATERIAL/);
      return true;
    });
    assert.match((await secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? '', /SECRET-MATERIAL/, 'the secret still holds what it held');
  });

  test('none stored: one of the spec\'s key type is generated and stored', async () => {
    const current = rootSecretName('kt-none');
    const fingerprint = await succession.prepare(REGION, current, { mesh: 'kt-none', keyType: 'RSA_4096', validityDays: 3650 });
    const next = await readRoot({ secretsManager: () => secrets }, REGION, nextRootSecretName(current));
    assert.equal(keyTypeOf(next.certPem), 'rsa 4096');
    assert.equal(fingerprint, fingerprintOf(next.certPem));
  });
});
