import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { backboneNames, cellNames, CURRENT_NAMING, pairDigest } from '../../domain/names.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

/** Every cloud name a spec's graph derives, by resource kind (Kubernetes objects live inside the clusters, so they are left out). */
function cloudNames(mesh: string, cell: string, naming: 1 | 2): Map<string, string> {
  const input = JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));
  input.name = mesh;
  input.cells[0].name = cell;
  const result = validateSpec(input);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const names = new Map<string, string>();
  for (const node of meshGraph(result.spec, naming).nodes) {
    const params = node.params as { name?: string; clusterName?: string; virtualNetwork?: string };
    // Subnets are named inside their VNet, node groups inside their cluster: the parent is part of the identity.
    const parent = params.virtualNetwork ?? params.clusterName;
    if (!node.kind.startsWith('kube.') && params.name) names.set(`${node.kind} ${parent ? `${parent}/` : ''}${params.name}`, node.id);
  }
  return names;
}

const shared = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => b.has(k));

test('version 1 names let mesh abc + cell d-ef and mesh abc-d + cell ef share an EKS cluster and its IAM roles (the defect)', () => {
  const overlap = shared(cloudNames('abc', 'd-ef', 1), cloudNames('abc-d', 'ef', 1));
  assert.deepEqual(overlap.sort(), ['aws.eksCluster abc-d-ef', 'aws.iamRole cellbridge-abc-d-ef-cluster', 'aws.iamRole cellbridge-abc-d-ef-node'].sort());
});

test('current names of two meshes never coincide, whatever their mesh and cell names', () => {
  for (const [a, b] of [
    [['abc', 'd-ef'], ['abc-d', 'ef']],
    [['mesh', 'a-b-c'], ['mesh-a', 'b-c']],
    [['mesh', 'a-b-cc'], ['mesh-a-b', 'cc']],
    [['xx1-y', 'z9'], ['xx1', 'y-z9']],
  ] as const) {
    // The resource group is the user's choice (two meshes may share one); its default is per mesh.
    assert.deepEqual(shared(cloudNames(a[0], a[1], CURRENT_NAMING), cloudNames(b[0], b[1], CURRENT_NAMING)), [], `${a.join('/')} vs ${b.join('/')}`);
  }
});

test('the pair digest is FNV-1a 64 of "mesh/cell" in base 36 (checked against an independent implementation) and differs for split-shifted pairs', () => {
  // FNV-1a computed here with plain Number arithmetic on 16-bit halves, not the product's BigInt code.
  const fnv = (text: string) => {
    let h = [0x2325, 0x8422, 0x9ce4, 0xcbf2]; // offset basis, 16-bit limbs, little end first
    for (const c of Buffer.from(text)) {
      h[0] = h[0]! ^ c;
      const p = [0x01b3, 0x0000, 0x0100, 0x0000]; // prime 0x100000001b3
      const r = [0, 0, 0, 0];
      for (let i = 0; i < 4; i++) for (let j = 0; i + j < 4; j++) r[i + j] = r[i + j]! + h[i]! * p[j]!;
      for (let i = 0; i < 3; i++) { r[i + 1] = r[i + 1]! + Math.floor(r[i]! / 0x10000); r[i] = r[i]! % 0x10000; }
      r[3] = r[3]! % 0x10000;
      h = r;
    }
    return (BigInt(h[3]!) << 48n) | (BigInt(h[2]!) << 32n) | (BigInt(h[1]!) << 16n) | BigInt(h[0]!);
  };
  for (const [mesh, cell] of [['abc', 'd-ef'], ['abc-d', 'ef'], ['cells', 'east'], ['a'.repeat(24), 'b'.repeat(20)]] as const) {
    assert.equal(pairDigest(mesh, cell), (fnv(`${mesh}/${cell}`) % 36n ** 8n).toString(36).padStart(8, '0'));
  }
  assert.notEqual(pairDigest('abc', 'd-ef'), pairDigest('abc-d', 'ef'));
});

test('names stay within the clouds\' limits at the longest mesh and cell names (EKS 100, AKS 63, IAM role 64)', () => {
  const names = cellNames('m'.repeat(24), { name: 'c'.repeat(20) }, CURRENT_NAMING);
  assert.ok(names.cluster.length <= 63, names.cluster);
  assert.ok(names.clusterRole.length <= 64 && names.nodeRole.length <= 64, `${names.clusterRole} ${names.nodeRole}`);
  assert.match(names.cluster, /^[a-z][a-z0-9-]*[a-z0-9]$/, 'a DNS label: also an Istio cluster ID and part of Secret names');
});

test('version 1 keeps the names meshes were built with before, so their teardown finds them', () => {
  assert.deepEqual(cellNames('cells', { name: 'east' }, 1), {
    cluster: 'cells-east', clusterRole: 'cellbridge-cells-east-cluster', nodeRole: 'cellbridge-cells-east-node', nodegroup: 'east-system', aksSubnet: 'aks-east',
  });
  assert.equal(backboneNames('cells').vpnGateway, 'cells-vpngw');
});
