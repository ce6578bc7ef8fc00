import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ISTIO_ID } from '../../domain/istio-graph.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { CURRENT_NAMING, cellNames } from '../../domain/names.ts';
import { assertAcyclic, dependentsOf, nodeById } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

function graphOf(change: (spec: any) => void = () => {}) {
  const input = JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));
  change(input);
  const result = validateSpec(input);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return meshGraph(result.spec, CURRENT_NAMING);
}

test('sidecar mode: per cell namespace, cacerts, base, istiod, east-west gateway, cross-network Gateway, policies; one root; remote secrets both ways', () => {
  const graph = graphOf();
  assertAcyclic(graph);
  const istio = graph.nodes.filter((n) => n.id.startsWith('istio/east/') || n.id === ISTIO_ID.root).map((n) => n.id).sort();
  assert.deepEqual(istio, [
    'istio/east/base', 'istio/east/cacerts', 'istio/east/cross-network-gateway', 'istio/east/east-west-gateway', 'istio/east/istiod',
    'istio/east/namespace', 'istio/east/remote-secret/west', 'istio/east/traffic-policies', 'pki/root-ca',
  ]);
  assert.ok(graph.nodes.some((n) => n.id === ISTIO_ID.remoteSecret('east', 'west')));
});

test('cacerts exists before istiod, the east-west gateway waits for istiod, and the namespace waits for the cluster to accept the orchestrator', () => {
  const graph = graphOf();
  assert.deepEqual(nodeById(graph, ISTIO_ID.istiod('west')).dependsOn.sort(), [ISTIO_ID.base('west'), ISTIO_ID.cacerts('west')].sort());
  assert.deepEqual(nodeById(graph, ISTIO_ID.eastWest('west')).dependsOn, [ISTIO_ID.istiod('west')]);
  assert.deepEqual(nodeById(graph, ISTIO_ID.namespace('east')).dependsOn, ['aws/eks-access-entry/east', 'aws/eks-nodegroup/east']);
  assert.deepEqual(nodeById(graph, ISTIO_ID.cacerts('east')).dependsOn, [ISTIO_ID.namespace('east'), ISTIO_ID.root]);
  assert.deepEqual(dependentsOf(graph, ISTIO_ID.root).map((n) => n.id).sort(), [ISTIO_ID.cacerts('east'), ISTIO_ID.cacerts('west')]);
});

test('istiod gets the mesh ID, cluster name, network, one trust domain and what root rotation needs', () => {
  const node = nodeById(graphOf(), ISTIO_ID.istiod('west'));
  assert.equal(node.kind, 'kube.helmRelease');
  const values = (node.params as { values: any }).values;
  assert.deepEqual(values.global.meshID, 'cells');
  assert.deepEqual(values.global.multiCluster, { clusterName: cellNames('cells', { name: 'west' }, CURRENT_NAMING).cluster });
  assert.equal(values.global.network, 'azure-network');
  assert.equal(values.meshConfig.trustDomain, 'cluster.local');
  assert.equal(values.env.ISTIO_MULTIROOT_MESH, 'true');
  assert.equal(values.meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT, 'true');
});

test('ambient mode swaps the gateway chart for a Gateway API gateway and adds CNI, ztunnel and the Gateway API CRDs', () => {
  const graph = graphOf((s) => (s.istio = { dataplane: 'ambient' }));
  assertAcyclic(graph);
  const kinds = (cell: string) => graph.nodes.filter((n) => n.id.startsWith(`istio/${cell}/`) && !n.id.includes('remote-secret')).map((n) => n.id.split('/')[2]).sort();
  assert.deepEqual(kinds('east'), ['base', 'cacerts', 'cni', 'east-west-gateway', 'gateway-api-crds', 'istiod', 'namespace', 'traffic-policies', 'ztunnel']);
  const istiod = nodeById(graph, ISTIO_ID.istiod('east')).params as { values: any };
  assert.equal(istiod.values.env.AMBIENT_ENABLE_MULTI_NETWORK, 'true');
  const eastWest = nodeById(graph, ISTIO_ID.eastWest('east'));
  assert.equal(eastWest.kind, 'kube.manifest');
});

test('ambient east-west Gateway asks for an internal load balancer in each cloud (istiod copies spec.infrastructure.annotations onto the Service it makes)', () => {
  const graph = graphOf((s) => (s.istio = { dataplane: 'ambient' }));
  const annotations = (cell: string) => ((nodeById(graph, ISTIO_ID.eastWest(cell)).params as { objects: any[] }).objects[0].spec.infrastructure?.annotations);
  assert.deepEqual(annotations('east'), { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
  assert.deepEqual(annotations('west'), { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' });
});

test('a user-supplied root is used by reference and never owned', () => {
  const root = nodeById(graphOf((s) => (s.pki = { rootSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:corp-root' })), ISTIO_ID.root);
  assert.deepEqual([(root.params as any).secretName, (root.params as any).userSupplied], ['arn:aws:secretsmanager:us-east-1:123456789012:secret:corp-root', true]);
});
