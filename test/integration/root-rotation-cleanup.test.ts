/**
 * A root rotation that fails leaves the next root (certificate and private key) waiting
 * beside the current one in Secrets Manager, so a retry can finish the move. Tearing the
 * mesh down must take it too: no key of the mesh may outlive the mesh.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Endpoints } from '../../sim/stack.ts';
import { cellKubeConfig } from '../support/kube.ts';
import { api, exampleSpec, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'rrc';

/** Every secret Moto holds whose name is under the mesh's prefix, listed with the AWS SDK directly. */
async function secretsOfMesh(e: Endpoints): Promise<string[]> {
  const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ NextToken }));
    names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return names.filter((n) => n.includes(`/${MESH}/`)).sort();
}

/** Polls the mesh's status until the resource's state is one of `states`; returns it. */
async function waitForResource(e: Endpoints, id: string, states: string[], timeoutMs = 600_000): Promise<string> {
  let last: string | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    const { body } = await api(e, 'GET', `/v1/meshes/${MESH}`);
    last = body?.resources?.find((r: { id: string }) => r.id === id)?.state;
    if (last !== undefined && states.includes(last)) return last;
  }
  throw new Error(`${id} did not reach ${states.join('/')} within ${timeoutMs} ms; last: ${last}`);
}

describe('a failed root rotation and teardown', () => {
  const stack = useStack('root-rotation-cleanup');

  test('after a root rotation fails (istiod gone in one cluster), teardown leaves no secret of the mesh in Secrets Manager, the pending next root included', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('cells', { name: MESH });
    spec.pki = { rotation: { pickupSeconds: 1, workloadCertTtlSeconds: 2, intervalHours: 720, jitterMinutes: 0 } };
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'], 600_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));

    const apps = (await cellKubeConfig(e, spec, 'west', 'azure')).makeApiClient(AppsV1Api);
    const istiod = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    await apps.deleteNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    const started = await api(e, 'POST', `/v1/meshes/${MESH}/rotations`, { kind: 'root' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    let rotation: any;
    for (const deadline = Date.now() + 300_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      rotation = (await api(e, 'GET', `/v1/meshes/${MESH}/rotations/${started.body.rotationId}`)).body;
      if (rotation.workflowStatus !== 'RUNNING') break;
    }
    assert.equal(rotation.phase, 'failed', JSON.stringify(rotation));
    assert.match(rotation.error, /istiod is not ready|has not loaded the write/);
    assert.deepEqual(await secretsOfMesh(e), [`cellbridge/${MESH}/root-ca`, `cellbridge/${MESH}/root-ca-next`], 'the failed rotation keeps the next root for a retry');
    await apps.createNamespacedDeployment({ namespace: 'istio-system', body: { metadata: { name: 'istiod', namespace: 'istio-system', labels: istiod.metadata?.labels }, spec: istiod.spec! } });

    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    // The secrets are judged as soon as the root's node is done, then the whole teardown.
    const rootDone = await waitForResource(e, 'pki/root-ca', ['deleted', 'absent', 'kept', 'delete-failed', 'blocked']);
    assert.equal(rootDone, 'deleted');
    assert.deepEqual(await secretsOfMesh(e), [], 'no root of the mesh, current or next, outlives it');
    const deleted = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 600_000);
    assert.equal(deleted.phase, 'Deleted', JSON.stringify(deleted.cleanupFailures));
  });
});
