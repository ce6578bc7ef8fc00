/**
 * Cells on the proving ground: one EKS and one AKS cluster, each backed by a real
 * kube-apiserver, built beside the backbone, reached by the orchestrator with the
 * clouds' own credentials, and rolled back to nothing when a cluster step fails.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { historyText } from '../support/history.ts';
import { api, clearFaults, exampleSpec, injectFault, meshInventory, useStack, waitForPhase } from '../support/stack.ts';
import type { Endpoints } from '../../sim/stack.ts';

const DONE = ['Ready', 'RolledBack', 'RollbackIncomplete'];

describe('EKS and AKS cells', () => {
  const stack = useStack('cells');
  afterEach(() => clearFaults(stack.endpoints()));

  test('backbone and both clusters provision in parallel; the orchestrator lists namespaces on both API servers; DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('cells', { name: 'cells-ok' }))).status, 202);
    const ready = await waitForPhase(e, 'cells-ok', DONE, 240_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failures: ready.cleanupFailures }));

    // Each cluster's create started while the backbone was still being built (its last step,
    // the Azure connections, not yet done): the cells did not wait for it. Not the gateway
    // alone: under load, the EKS cluster's own prerequisites (IAM role, subnets) can outlast
    // the gateway's few scaled seconds.
    const resources = ready.resources as { id: string; createStartedAt: string; createdAt: string }[];
    const backboneStart = Date.parse(resources.find((r) => r.id === 'azure/vpn-gateway')!.createStartedAt);
    const backboneDone = Math.max(...resources.filter((r) => r.id.startsWith('azure/connection/')).map((r) => Date.parse(r.createdAt)));
    for (const cluster of ['aws/eks-cluster/east', 'azure/aks-cluster/west']) {
      const r = resources.find((x) => x.id === cluster)!;
      const [start, end] = [Date.parse(r.createStartedAt), Date.parse(r.createdAt)];
      assert.ok(start < backboneDone && end > backboneStart, `${cluster} [${start}, ${end}] overlaps the backbone's build [${backboneStart}, ${backboneDone}]`);
    }

    assert.deepEqual(ready.clusters.map((c: any) => [c.cell, c.cloud, c.state, c.nodePool.state]), [['east', 'aws', 'ready', 'ready'], ['west', 'azure', 'ready', 'ready']]);
    for (const cluster of ready.clusters) {
      assert.match(cluster.endpoint, /^https:\/\//);
      assert.ok(cluster.access.namespaces.includes('kube-system') && cluster.access.namespaces.includes('default'), JSON.stringify(cluster.access));
    }

    const history = await historyText(e, 'mesh-cells-ok');
    assert.match(history.decrypted, /eks-cluster\/east/, 'decryption works, so the checks below mean something');
    for (const secret of ['k8s-aws-v1.', 'PRIVATE KEY', 'client-key-data', 'Bearer ']) {
      assert.equal(history.raw.includes(secret) || history.decrypted.includes(secret), false, `${secret} is in the history`);
    }

    await planAddingACell(e, ready);

    assert.equal((await api(e, 'DELETE', '/v1/meshes/cells-ok')).status, 202);
    const gone = await waitForPhase(e, 'cells-ok', ['Deleted', 'TeardownIncomplete'], 240_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, 'cells-ok'), []);
  });

  const faults = [
    { mesh: 'cells-ng', cloud: 'aws' as const, rule: { operation: 'eks.CreateNodegroup', kind: 'error' as const, status: 400, code: 'InvalidParameterException', message: 'simulated node group failure' }, expect: /InvalidParameterException/ },
    { mesh: 'cells-aks', cloud: 'azure' as const, rule: { operation: 'managedClusters.createOrUpdate', kind: 'lro-failed' as const, count: 2, code: 'ControlPlaneProvisioningFailed', message: 'simulated' }, expect: /ControlPlaneProvisioningFailed|Failed/ },
  ];
  for (const f of faults) {
    test(`a fault at ${f.rule.operation} rolls back everything: zero resources and zero IAM roles`, async () => {
      const e = stack.endpoints();
      await injectFault(f.cloud === 'aws' ? e.aws : e.azure, { ...f.rule, match: f.mesh });
      assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('cells', { name: f.mesh }))).status, 202);
      const final = await waitForPhase(e, f.mesh, DONE, 240_000);
      assert.equal(final.phase, 'RolledBack', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
      assert.match(final.error, f.expect);
      assert.deepEqual(await meshInventory(e, f.mesh), []);
    });
  }

  test('bad cells answer 400 naming each field and rule, and start nothing', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('cells', { name: 'cells-bad' });
    spec.cells[1].name = 'east';
    spec.cells[1].dnsServiceIp = '10.97.0.10';
    spec.cells[0].kubernetesVersion = '1.20';
    spec.cells[0].serviceCidr = '10.10.0.0/16';
    const reply = await api(e, 'POST', '/v1/meshes', spec);
    assert.equal(reply.status, 400);
    assert.deepEqual(
      reply.body.problems.map((p: any) => `${p.path} ${p.rule}`).sort(),
      ['/cells/0/kubernetesVersion cell.kubernetes-version', '/cells/0/serviceCidr cidr.overlap', '/cells/1/dnsServiceIp cell.dns-service-ip', '/cells/1/name cell.name-duplicate'],
    );
    assert.equal((await api(e, 'GET', '/v1/meshes/cells-bad')).status, 404);
  });
});

/** PUT with a third cell: the dry run plans its cluster, Istio and remote secrets both ways and touches nothing else (applying it: test/integration/change.test.ts). */
async function planAddingACell(e: Endpoints, ready: any): Promise<void> {
  const bigger = exampleSpec('cells', { name: 'cells-ok' });
  bigger.cells.push({ name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' });
  const planned = await api(e, 'PUT', '/v1/meshes/cells-ok?dryRun=true', bigger);
  assert.equal(planned.status, 200, JSON.stringify(planned.body));
  if (process.env.CELLBRIDGE_PRINT_PLAN) console.log(JSON.stringify(planned.body, null, 2));
  const { plan } = planned.body;
  const created = plan.changes.filter((c: any) => c.action === 'create').map((c: any) => c.id);
  for (const id of ['aws/eks-cluster/north', 'aws/eks-nodegroup/north', 'istio/north/istiod', 'istio/north/remote-secret/east', 'istio/north/remote-secret/west', 'istio/east/remote-secret/north', 'istio/west/remote-secret/north']) {
    assert.ok(created.includes(id), `${id} is created: ${created.join(', ')}`);
  }
  assert.deepEqual([plan.summary.update, plan.summary.replace, plan.summary.delete, plan.refused.length, plan.interruptsTraffic], [0, 0, 0, 0, false]);
  assert.equal(plan.summary.unchanged, ready.resources.length, 'every resource the mesh has stays as it is');
}
