/**
 * The AKS admin kubeconfig is the cloud's answer, read back by the worker: it is used
 * for its server, CA and inline client certificate only, and one carrying a plugin, a
 * file or a proxy is a non-retryable failure naming the field. The Azure SDK is stubbed
 * at the activity boundary (listClusterAdminCredentials); the documents are the ARM
 * emulator's own layouts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { dump, load } from 'js-yaml';
import { EksTokenCache } from '../../activities/aws/eks-token.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { kubeConfigFor } from '../../activities/kube/cluster-credentials.ts';
import { kubeconfigYaml } from '../../sim/azure/aks-kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'aks-admin-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=aks-ca', '-days', '2',
  '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const CERT = readFileSync(join(dir, 'cert.pem'), 'utf8');
const KEY = readFileSync(join(dir, 'key.pem'), 'utf8');
const SERVER = 'https://127.0.0.1:6443';
const REF = {
  scope: { mesh: 'm', aws: { region: 'us-east-1' }, azure: { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', location: 'eastus' } },
  cell: 'west', cloud: 'azure' as const, clusterName: 'm-west',
};

function answering(kubeconfig: string): CloudClients {
  const containerService = () => ({ managedClusters: { listClusterAdminCredentials: async () => ({ kubeconfigs: [{ name: 'clusterAdmin', value: new Uint8Array(Buffer.from(kubeconfig)) }] }) } });
  return { containerService } as unknown as CloudClients;
}

const admin = () => kubeconfigYaml({ clusterName: 'm-west', resourceGroup: 'rg', role: 'clusterAdmin', server: SERVER, caPem: CERT, user: { kind: 'certificate', certPem: CERT, keyPem: KEY } });

test('AKS admin credentials as the emulator returns them give a KubeConfig of server, CA and client certificate, and nothing else', async () => {
  const config = await kubeConfigFor(answering(admin()), new EksTokenCache(), REF);
  const cluster = config.getCurrentCluster()!;
  const user = config.getCurrentUser()!;
  assert.equal(cluster.server, SERVER);
  assert.equal(Buffer.from(cluster.caData!, 'base64').toString('utf8'), CERT);
  assert.equal(cluster.skipTLSVerify, false);
  assert.equal(cluster.proxyUrl, undefined);
  assert.equal(Buffer.from(user.certData!, 'base64').toString('utf8'), CERT);
  assert.equal(Buffer.from(user.keyData!, 'base64').toString('utf8'), KEY);
  assert.equal(user.exec, undefined);
  assert.equal(user.authProvider, undefined);
});

const marker = join(dir, 'exec-ran');
const hostile: [string, (doc: any) => void, RegExp][] = [
  ['an exec plugin', (d) => (d.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', `touch ${marker}`] } }), /users\[0\]\.user\.exec: runs a program on the worker/],
  ['a proxy', (d) => (d.clusters[0].cluster['proxy-url'] = 'http://127.0.0.1:3128'), /clusters\[0\]\.cluster\.proxy-url: would send the credential through a proxy/],
  ['a key file', (d) => { delete d.users[0].user['client-key-data']; d.users[0].user['client-key'] = '/etc/ssl/private/key.pem'; }, /users\[0\]\.user\.client-key: reads a file on the worker/],
];

for (const [what, change, message] of hostile) {
  test(`AKS admin credentials with ${what} are refused: a non-retryable KubeconfigRefused naming the field`, async () => {
    const doc = load(admin()) as any;
    change(doc);
    await assert.rejects(kubeConfigFor(answering(dump(doc)), new EksTokenCache(), REF), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.nonRetryable, true);
      assert.equal(error.type, 'KubeconfigRefused');
      assert.match(error.message, /^AKS cluster m-west: the admin kubeconfig from listClusterAdminCredentials is refused: /);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /BEGIN|touch|\/etc\//, 'names the field, never its value');
      return true;
    });
    assert.equal(existsSync(marker), false);
  });
}
