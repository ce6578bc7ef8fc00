/**
 * pki.rootSecret, the user's own root by reference, through the API on the proving
 * ground: a reference that points nowhere or at something unusable fails the mesh with
 * the secret and what is wrong, and rolls back completely (a kept user resource that does
 * not exist is no cleanup failure); a reference that reaches a root cellbridge manages is
 * refused at validation by its name, and at run time by the secret's ownership tag.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Endpoints } from '../../sim/stack.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const ENDED = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];

function secretsManager(e: Endpoints): SecretsManagerClient {
  return new SecretsManagerClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

/** A key and a self-signed certificate made by openssl, with the given basicConstraints. */
function opensslPair(cn: string, basicConstraints: string): { certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-root-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', `basicConstraints=critical,${basicConstraints}`, '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

function withRoot(mesh: string, rootSecret: string): any {
  const spec = exampleSpec('cells', { name: mesh });
  spec.pki = { ...spec.pki, rootSecret };
  return spec;
}

/** The state the rollback leaves the root's node in: kept, deleted (absent counts as deleted), delete-failed or blocked. */
async function rootCleanup(e: Endpoints, mesh: string, timeoutMs = 600_000): Promise<string> {
  let last: string | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    const { body } = await api(e, 'GET', `/v1/meshes/${mesh}`);
    last = body?.resources?.find((r: { id: string }) => r.id === 'pki/root-ca')?.state;
    if (last !== undefined && ['kept', 'deleted', 'delete-failed', 'blocked'].includes(last)) return last;
  }
  throw new Error(`pki/root-ca of ${mesh} was not cleaned up within ${timeoutMs} ms; last: ${last}`);
}

/** POSTs the mesh and waits for the end of its run; it must roll back cleanly with an error matching `error`. */
async function expectCleanRollback(e: Endpoints, mesh: string, rootSecret: string, error: RegExp): Promise<void> {
  assert.equal((await api(e, 'POST', '/v1/meshes', withRoot(mesh, rootSecret))).status, 202);
  // The root's own cleanup is judged as soon as it is done, then the whole rollback.
  assert.notEqual(await rootCleanup(e, mesh), 'delete-failed', 'the user\'s root is no cleanup failure');
  const final = await waitForPhase(e, mesh, ENDED, 600_000);
  assert.equal(final.phase, 'RolledBack', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
  assert.match(final.error, error);
  assert.deepEqual(final.cleanupFailures, []);
  assert.deepEqual(await meshInventory(e, mesh), []);
}

describe('the user\'s own root (pki.rootSecret)', () => {
  const stack = useStack('root-secret', { timeScale: FAST_TIME_SCALE });

  test('a root secret that does not exist fails the mesh naming the secret, the rollback ends RolledBack, and a later DELETE ends Deleted', async () => {
    const e = stack.endpoints();
    await expectCleanRollback(e, 'rs-typo', 'team/mesh-root-typo', /root CA secret team\/mesh-root-typo does not exist in us-east-1/);
    assert.equal((await api(e, 'DELETE', '/v1/meshes/rs-typo')).status, 202);
    const deleted = await waitForPhase(e, 'rs-typo', ['Deleted', 'TeardownIncomplete'], 600_000);
    assert.equal(deleted.phase, 'Deleted', JSON.stringify(deleted.cleanupFailures));
    assert.deepEqual(deleted.cleanupFailures, []);
  });

  test('an unusable root secret (not JSON, no certPem, a key of another certificate, not a CA) fails naming the secret and the problem, rolls back to RolledBack, and the secret is kept', async () => {
    const e = stack.endpoints();
    const sm = secretsManager(e);
    const ca = opensslPair('user root', 'CA:TRUE');
    const other = opensslPair('other root', 'CA:TRUE');
    const leaf = opensslPair('not a ca', 'CA:FALSE');
    const cases: [mesh: string, secret: string, value: string, problem: RegExp][] = [
      ['rs-notjson', 'team/root-notjson', '{"certPem": "-----BEGIN', /is not JSON/],
      ['rs-nocert', 'team/root-nocert', JSON.stringify({ keyPem: ca.keyPem }), /has no certPem/],
      ['rs-wrongkey', 'team/root-wrongkey', JSON.stringify({ certPem: ca.certPem, keyPem: other.keyPem }), /has a keyPem that does not fit: the private key does not belong to the certificate/],
      ['rs-leaf', 'team/root-leaf', JSON.stringify(leaf), /holds a certificate that is not a CA/],
    ];
    for (const [mesh, secret, value, problem] of cases) {
      await sm.send(new CreateSecretCommand({ Name: secret, SecretString: value }));
      await expectCleanRollback(e, mesh, secret, new RegExp(`root CA secret ${secret.replace('/', '\\/')} in us-east-1 ${problem.source}`));
      const kept = await sm.send(new GetSecretValueCommand({ SecretId: secret }));
      assert.equal(kept.SecretString, value, `${secret}: the user's secret is kept as it was`);
    }
  });

  test('a reference to a root cellbridge manages is refused at validation (400, /pki/rootSecret, pki.root-secret-managed), also by ARN', async () => {
    const e = stack.endpoints();
    for (const reference of ['cellbridge/other/root-ca', 'cellbridge/other/root-ca-next', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cellbridge/other/root-ca-AbCdEf']) {
      const answer = await api(e, 'POST', '/v1/meshes', withRoot('rs-managed', reference));
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.ok(JSON.stringify(answer.body).includes('pki.root-secret-managed') && JSON.stringify(answer.body).includes('/pki/rootSecret'), JSON.stringify(answer.body));
    }
    assert.equal((await api(e, 'GET', '/v1/meshes/rs-managed')).status, 404, 'nothing was started');
  });

  test('a reference under another name to a secret carrying cellbridge\'s mesh tag is refused at run time by the tag, and the secret is not touched', async () => {
    const e = stack.endpoints();
    const sm = secretsManager(e);
    const managed = opensslPair('another mesh root', 'CA:TRUE');
    const value = JSON.stringify(managed);
    await sm.send(new CreateSecretCommand({ Name: 'team/looks-like-mine', SecretString: value, Tags: [{ Key: 'cellbridge:mesh', Value: 'other' }, { Key: 'cellbridge:resource', Value: 'pki/root-ca' }] }));
    await expectCleanRollback(e, 'rs-tagged', 'team/looks-like-mine', /root CA secret team\/looks-like-mine is a root cellbridge manages for mesh other \(tag cellbridge:mesh\)/);
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'team/looks-like-mine' }))).SecretString, value);
  });
});
