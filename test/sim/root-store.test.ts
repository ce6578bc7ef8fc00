// The root CA store against Secrets Manager on the proving ground (Moto): a root is
// written once and never replaced, read back by name or ARN, and deleted for good.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { rootSecretName } from '../../domain/pki-profile.ts';
import { createRootCa, type CaKeyPair } from '../../activities/pki/certificate-authority.ts';
import { deleteRoot, readRoot, secretOwner, storeRoot, type SecretsManagerClients } from '../../activities/pki/root-store.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';

const REGION = 'us-east-1';
const NOW = new Date('2026-01-15T12:00:00Z');
const TAGS = { 'cellbridge:mesh': 'm1', 'cellbridge:resource': 'root-ca' };

let moto: MotoHandle;
let secrets: SecretsManagerClient;
let clients: SecretsManagerClients;
let rootA: CaKeyPair;
let rootB: CaKeyPair;

function failure(type: string, nonRetryable: boolean, message: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type);
    assert.equal(error.nonRetryable, nonRetryable);
    assert.match(error.message, message);
    return true;
  };
}

async function secretsNamed(name: string): Promise<number> {
  const listed = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
  return (listed.SecretList ?? []).filter((s) => s.Name === name).length;
}

before(async () => {
  moto = await startMoto({ timeScale: 1000, logFile: '.stack/root-store-test.log' });
  secrets = new SecretsManagerClient({
    endpoint: moto.url,
    region: REGION,
    credentials: { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' },
    maxAttempts: 1,
  });
  clients = { secretsManager: () => secrets };
  [rootA, rootB] = await Promise.all([
    createRootCa({ mesh: 'm1', keyType: 'ECDSA_P256', validityDays: 3650, now: NOW }),
    createRootCa({ mesh: 'm1', keyType: 'ECDSA_P256', validityDays: 3650, now: NOW }),
  ]);
});

after(async () => {
  secrets?.destroy();
  await moto?.stop();
});

describe('root store', () => {
  test('a stored root reads back identical, tagged, under cellbridge/<mesh>/root-ca', async () => {
    const name = rootSecretName('stored');
    const stored = await storeRoot(clients, REGION, name, rootA, TAGS);
    assert.deepEqual(stored, { root: rootA, created: true });
    assert.deepEqual(await readRoot(clients, REGION, name), rootA);
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    assert.deepEqual(Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value])), TAGS);
  });

  test('a second store with a different root returns the first: never two roots', async () => {
    const name = rootSecretName('twice');
    assert.equal((await storeRoot(clients, REGION, name, rootA, TAGS)).created, true);
    const again = await storeRoot(clients, REGION, name, rootB, TAGS);
    assert.deepEqual(again, { root: rootA, created: false });
    assert.deepEqual(await readRoot(clients, REGION, name), rootA);
    assert.equal(await secretsNamed(name), 1);
  });

  test('reading a missing secret fails, non-retryable, naming the secret and region', async () => {
    await assert.rejects(
      readRoot(clients, REGION, 'cellbridge/absent/root-ca'),
      failure('pki.RootSecretNotFound', true, /^root CA secret cellbridge\/absent\/root-ca does not exist in us-east-1$/),
    );
  });

  test('a user root referenced by ARN is read, with its key in SEC 1 PEM as openssl ecparam writes it', async () => {
    const user = { certPem: rootB.certPem, keyPem: createPrivateKey(rootB.keyPem).export({ type: 'sec1', format: 'pem' }).toString() };
    assert.match(user.keyPem, /^-----BEGIN EC PRIVATE KEY-----/);
    const created = await secrets.send(new CreateSecretCommand({ Name: 'team/mesh-root', SecretString: JSON.stringify(user) }));
    assert.deepEqual(await readRoot(clients, REGION, created.ARN!), user);
  });

  test('a malformed secret fails, non-retryable, naming the secret and never echoing its text', async () => {
    const cases: [string, string, RegExp][] = [
      ['not-json', '{"keyPem": "SECRET-MATERIAL', /is not JSON/],
      ['no-key', JSON.stringify({ certPem: rootA.certPem }), /has no keyPem \(a string field\)/],
      ['no-cert', JSON.stringify({ keyPem: rootA.keyPem }), /has no certPem \(a string field\)/],
      ['not-object', JSON.stringify(['SECRET-MATERIAL']), /is JSON but not an object/],
      ['bad-cert', JSON.stringify({ certPem: 'SECRET-MATERIAL', keyPem: rootA.keyPem }), /has a certPem that is not a PEM certificate/],
      ['wrong-key', JSON.stringify({ certPem: rootA.certPem, keyPem: rootB.keyPem }), /has a keyPem that does not fit: the private key does not belong to the certificate/],
    ];
    for (const [suffix, secretString, problem] of cases) {
      const name = `user/malformed-${suffix}`;
      await secrets.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
      await assert.rejects(readRoot(clients, REGION, name), (error: unknown) => {
        failure('pki.RootSecretMalformed', true, new RegExp(`^root CA secret ${name} in us-east-1 ${problem.source}`))(error);
        assert.doesNotMatch((error as Error).message, /SECRET-MATERIAL|PRIVATE KEY/);
        return true;
      });
    }
  });

  test('delete, then read: missing; the name is free for a new root at once', async () => {
    const name = rootSecretName('deleted');
    await storeRoot(clients, REGION, name, rootA, TAGS);
    await deleteRoot(clients, REGION, name);
    await assert.rejects(readRoot(clients, REGION, name), failure('pki.RootSecretNotFound', true, /does not exist/));
    assert.deepEqual(await storeRoot(clients, REGION, name, rootB, TAGS), { root: rootB, created: true });
  });

  test('deleting a root that does not exist is done, not an error', async () => {
    await deleteRoot(clients, REGION, rootSecretName('never-stored'));
  });

  test('a name still scheduled for deletion: storing is retryable (it frees up), reading is not', async () => {
    const name = rootSecretName('pending');
    await storeRoot(clients, REGION, name, rootA, TAGS);
    await secrets.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    await assert.rejects(storeRoot(clients, REGION, name, rootB, TAGS), failure('pki.RootSecretDeleting', false, /^root CA secret cellbridge\/pending\/root-ca in us-east-1 is still being deleted$/));
    await assert.rejects(readRoot(clients, REGION, name), failure('pki.RootSecretDeleting', true, /is scheduled for deletion; restore it or name another$/));
  });

  test('secretOwner: a root cellbridge stored names its mesh by tag, also by ARN; a user\'s secret names none; a missing one is absent', async () => {
    const name = rootSecretName('owned');
    await storeRoot(clients, REGION, name, rootA, TAGS);
    const arn = (await secrets.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
    assert.deepEqual(await secretOwner(clients, REGION, name), { managedFor: 'm1' });
    assert.deepEqual(await secretOwner(clients, REGION, arn), { managedFor: 'm1' });
    await secrets.send(new CreateSecretCommand({ Name: 'team/own-root', SecretString: JSON.stringify(rootB) }));
    assert.deepEqual(await secretOwner(clients, REGION, 'team/own-root'), { managedFor: undefined });
    assert.deepEqual(await secretOwner(clients, REGION, 'team/absent-root'), { absent: 'missing' });
  });
});
