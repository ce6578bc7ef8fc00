/**
 * The strict kubeconfig parser: which shapes it accepts (the istioctl remote-secret
 * format, AKS admin credentials as the emulator and the real service lay them out) and
 * every field it refuses, each refusal naming the field and never quoting a value.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dump, load } from 'js-yaml';
import { remoteKubeconfig } from '../../activities/kube/remote-secret.ts';
import { KubeconfigRefused, MAX_KUBECONFIG_BYTES, parseStrictKubeconfig } from '../../domain/strict-kubeconfig.ts';
import { kubeconfigYaml } from '../../sim/azure/aks-kubeconfig.ts';

// A real certificate and key, made by openssl rather than by the code under test.
const dir = mkdtempSync(join(tmpdir(), 'strict-kubeconfig-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=test-ca', '-days', '2',
  '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const CERT_PEM = readFileSync(join(dir, 'cert.pem'), 'utf8');
const KEY_PEM = readFileSync(join(dir, 'key.pem'), 'utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl';
const SERVER = 'https://127.0.0.1:6443';
const SECRET_RULES = { allowClientCertificate: false };
const AKS_RULES = { allowClientCertificate: true };

/** A remote secret's kubeconfig, exactly as cellbridge writes it (istioctl's format). */
const istioctl = () => load(remoteKubeconfig('mesh-a-east', SERVER, b64(CERT_PEM), TOKEN)) as any;
/** AKS admin credentials as the ARM emulator returns them. */
const aksEmulator = () => kubeconfigYaml({ clusterName: 'mesh-a-west', resourceGroup: 'rg', role: 'clusterAdmin', server: SERVER, caPem: CERT_PEM, user: { kind: 'certificate', certPem: CERT_PEM, keyPem: KEY_PEM } });

const accepted: [string, string, typeof SECRET_RULES, object][] = [
  ['the istioctl remote-secret format (token)', dump(istioctl()), SECRET_RULES, { server: SERVER, caData: b64(CERT_PEM), token: TOKEN }],
  ['AKS admin credentials as the emulator returns them (inline client certificate)', aksEmulator(), AKS_RULES,
    { server: SERVER, caData: b64(CERT_PEM), clientCertificate: { certData: b64(CERT_PEM), keyData: b64(KEY_PEM) } }],
  ['AKS admin credentials as the real service lays them out (client certificate and a static token)', [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(CERT_PEM)}`,
    '    server: https://mesh-a-west-dns-0123abcd.hcp.eastus.azmk8s.io:443',
    '  name: mesh-a-west',
    'contexts:',
    '- context:',
    '    cluster: mesh-a-west',
    '    user: clusterAdmin_rg_mesh-a-west',
    '  name: mesh-a-west-admin',
    'current-context: mesh-a-west-admin',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: clusterAdmin_rg_mesh-a-west',
    '  user:',
    `    client-certificate-data: ${b64(CERT_PEM)}`,
    `    client-key-data: ${b64(KEY_PEM)}`,
    '    token: 0123456789abcdef0123456789abcdef',
  ].join('\n'), AKS_RULES, {
    server: 'https://mesh-a-west-dns-0123abcd.hcp.eastus.azmk8s.io:443', caData: b64(CERT_PEM), token: '0123456789abcdef0123456789abcdef',
    clientCertificate: { certData: b64(CERT_PEM), keyData: b64(KEY_PEM) },
  }],
  ['a token made only of digits, kept as a string (failsafe schema: no implicit numbers)', dump(with_(istioctl(), (d) => (d.users[0].user.token = '12345'))).replace("'12345'", '12345'), SECRET_RULES,
    { server: SERVER, caData: b64(CERT_PEM), token: '12345' }],
  ['a context with a namespace', dump(with_(istioctl(), (d) => (d.contexts[0].context.namespace = 'istio-system'))), SECRET_RULES, { server: SERVER, caData: b64(CERT_PEM), token: TOKEN }],
];

for (const [what, text, rules, expected] of accepted) {
  test(`accepts ${what}`, () => {
    assert.deepEqual(parseStrictKubeconfig(text, rules), expected);
  });
}

function with_(doc: any, change: (doc: any) => void): any {
  change(doc);
  return doc;
}

const EXEC = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', 'touch /tmp/pwned'] };
type Refusal = [string, (doc: any) => void, string, RegExp];
const refused: Refusal[] = [
  ['an exec credential plugin', (d) => (d.users[0].user.exec = EXEC), 'users[0].user.exec', /runs a program on the worker/],
  ['an exec plugin beside a valid token', (d) => (d.users[0].user = { token: TOKEN, exec: EXEC }), 'users[0].user.exec', /runs a program/],
  ['an auth-provider plugin', (d) => (d.users[0].user['auth-provider'] = { name: 'gcp', config: { 'cmd-path': '/bin/sh' } }), 'users[0].user.auth-provider', /plugin/],
  ['a client certificate file', (d) => (d.users[0].user['client-certificate'] = '/etc/passwd'), 'users[0].user.client-certificate', /reads a file/],
  ['a client key file', (d) => (d.users[0].user['client-key'] = '/etc/shadow'), 'users[0].user.client-key', /reads a file/],
  ['a CA file', (d) => (d.clusters[0].cluster['certificate-authority'] = '/etc/ssl/ca.pem'), 'clusters[0].cluster.certificate-authority', /reads a file/],
  ['a token file', (d) => (d.users[0].user.tokenFile = '/var/run/secrets/token'), 'users[0].user.tokenFile', /reads a file/],
  ['a username and password', (d) => (d.users[0].user = { username: 'admin', password: 'hunter2' }), 'users[0].user.username', /basic authentication/],
  ['impersonation', (d) => (d.users[0].user.as = 'system:admin'), 'users[0].user.as', /impersonation/],
  ['a proxy', (d) => (d.clusters[0].cluster['proxy-url'] = 'http://attacker:3128'), 'clusters[0].cluster.proxy-url', /proxy/],
  ['insecure-skip-tls-verify', (d) => (d.clusters[0].cluster['insecure-skip-tls-verify'] = true), 'clusters[0].cluster.insecure-skip-tls-verify', /turns off verification/],
  ['tls-server-name', (d) => (d.clusters[0].cluster['tls-server-name'] = 'kubernetes'), 'clusters[0].cluster.tls-server-name', /another name/],
  ['an unknown cluster field', (d) => (d.clusters[0].cluster.extensions = []), 'clusters[0].cluster.extensions', /not a field cellbridge accepts/],
  ['an unknown top-level field', (d) => (d.extensions = []), 'extensions', /not a field cellbridge accepts/],
  ['a second cluster', (d) => d.clusters.push({ name: 'other', cluster: { server: 'https://10.0.0.1' } }), 'clusters', /exactly one cluster \(found 2\)/],
  ['a second user', (d) => d.users.push({ name: 'other', user: { token: TOKEN } }), 'users', /exactly one user \(found 2\)/],
  ['a second context', (d) => d.contexts.push({ name: 'other', context: { cluster: 'mesh-a-east', user: 'mesh-a-east' } }), 'contexts', /exactly one context/],
  ['no users', (d) => delete d.users, 'users', /exactly one user \(found none\)/],
  ['a current-context naming nothing', (d) => (d['current-context'] = 'elsewhere'), 'current-context', /must name the one context/],
  ['no current-context', (d) => delete d['current-context'], 'current-context', /must name the one context/],
  ['a context pointing at another cluster name', (d) => (d.contexts[0].context.cluster = 'other'), 'contexts[0].context.cluster', /must name the one cluster/],
  ['a context pointing at another user name', (d) => (d.contexts[0].context.user = 'other'), 'contexts[0].context.user', /must name the one user/],
  ['a plain-http server', (d) => (d.clusters[0].cluster.server = 'http://127.0.0.1:8080'), 'clusters[0].cluster.server', /https/],
  ['a server with credentials in the URL', (d) => (d.clusters[0].cluster.server = 'https://u:p@127.0.0.1'), 'clusters[0].cluster.server', /credentials/],
  ['a server that is not a URL', (d) => (d.clusters[0].cluster.server = 'not a url'), 'clusters[0].cluster.server', /absolute https URL/],
  ['no server', (d) => delete d.clusters[0].cluster.server, 'clusters[0].cluster.server', /is required/],
  ['no CA data', (d) => delete d.clusters[0].cluster['certificate-authority-data'], 'clusters[0].cluster.certificate-authority-data', /is required/],
  ['CA data that is not a certificate', (d) => (d.clusters[0].cluster['certificate-authority-data'] = b64('hello')), 'clusters[0].cluster.certificate-authority-data', /PEM CERTIFICATE/],
  ['CA data that is not base64', (d) => (d.clusters[0].cluster['certificate-authority-data'] = '!!!'), 'clusters[0].cluster.certificate-authority-data', /base64/],
  ['a token with a line break (header injection)', (d) => (d.users[0].user.token = 'abc\r\nX-Evil: 1'), 'users[0].user.token', /bearer token/],
  ['no credential at all', (d) => (d.users[0].user = {}), 'users[0].user', /needs a token/],
  ['a client certificate in a remote secret', (d) => (d.users[0].user['client-certificate-data'] = b64(CERT_PEM)), 'users[0].user.client-certificate-data', /not a field cellbridge accepts/],
  ['a kind other than Config', (d) => (d.kind = 'Secret'), 'kind', /must be Config/],
  ['non-empty preferences', (d) => (d.preferences = { colors: 'true' }), 'preferences', /must be empty/],
];

for (const [what, change, field, rule] of refused) {
  test(`refuses ${what}, naming ${field}`, () => {
    const text = dump(with_(istioctl(), change));
    assert.throws(() => parseStrictKubeconfig(text, SECRET_RULES), (error: unknown) => {
      assert.ok(error instanceof KubeconfigRefused, String(error));
      assert.equal(error.field, field);
      assert.match(error.rule, rule);
      assert.doesNotMatch(error.message, /pwned|hunter2|attacker|\/etc\/|eyJ/, 'the message names the field, never its value');
      return true;
    });
  });
}

const aksRefused: Refusal[] = [
  ['an exec plugin (kubelogin)', (d) => (d.users[0].user = { exec: EXEC }), 'users[0].user.exec', /runs a program/],
  ['a certificate without its key', (d) => delete d.users[0].user['client-key-data'], 'users[0].user.client-key-data', /other half/],
  ['a key that is not PEM', (d) => (d.users[0].user['client-key-data'] = b64('nope')), 'users[0].user.client-key-data', /PEM PRIVATE KEY/],
  ['an encrypted key', (d) => (d.users[0].user['client-key-data'] = b64('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n')), 'users[0].user.client-key-data', /PEM PRIVATE KEY/],
];

for (const [what, change, field, rule] of aksRefused) {
  test(`refuses AKS admin credentials with ${what}, naming ${field}`, () => {
    const text = dump(with_(load(aksEmulator()), change));
    assert.throws(() => parseStrictKubeconfig(text, AKS_RULES), (error: unknown) => error instanceof KubeconfigRefused && error.field === field && rule.test(error.rule));
  });
}

test('refuses AKS user credentials that log in through kubelogin (Entra ID), naming the exec field', () => {
  const text = kubeconfigYaml({ clusterName: 'c', resourceGroup: 'rg', role: 'clusterUser', server: SERVER, caPem: CERT_PEM, user: { kind: 'entra', tenantId: '00000000-0000-0000-0000-000000000000' } });
  assert.throws(() => parseStrictKubeconfig(text, AKS_RULES), (error: unknown) => error instanceof KubeconfigRefused && error.field === 'users[0].user.exec');
});

const documents: [string, string, string, RegExp][] = [
  ['a custom YAML tag', `${dump(istioctl())}\nextra: !!js/function 'function () {}'\n`, 'the document', /not valid YAML \(unknown tag/],
  ['a binary tag (outside the failsafe schema)', dump(istioctl()).replace(/token: .*/, 'token: !!binary aGVsbG8='), 'the document', /not valid YAML \(unknown tag/],
  ['a duplicated key', `${dump(istioctl())}current-context: other\n`, 'the document', /not valid YAML \(duplicated mapping key/],
  ['two YAML documents', `${dump(istioctl())}---\n${dump(istioctl())}`, 'the document', /not valid YAML/],
  ['a YAML merge key', dump(istioctl()).replace('preferences: {}', '<<: {}'), '<<', /not a field cellbridge accepts/],
  ['a list at the top', '- a\n- b\n', 'the document', /must be a mapping/],
  ['a document over the size limit', `${dump(istioctl())}# ${'x'.repeat(MAX_KUBECONFIG_BYTES)}\n`, 'the document', /larger than/],
];

for (const [what, text, field, rule] of documents) {
  test(`refuses ${what}, naming ${field}`, () => {
    assert.throws(() => parseStrictKubeconfig(text, SECRET_RULES), (error: unknown) => {
      assert.ok(error instanceof KubeconfigRefused, String(error));
      assert.equal(error.field, field);
      assert.match(error.rule, rule);
      assert.doesNotMatch(error.message, /eyJ/, 'a YAML error never quotes the document (it holds the token)');
      return true;
    });
  });
}
