/** The one line the Web UI shows for a workflow run cellbridge starts: what it does, to which mesh, where. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { normalizeSpec } from '../../domain/mesh-spec.ts';
import { drillWorkflowSummary, meshWorkflowSummary, rotationWorkflowSummary } from '../../domain/workflow-summary.ts';

const example = (name: string) => normalizeSpec(JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')));

for (const [name, actual, expected] of [
  ['a backbone-only mesh', meshWorkflowSummary('provisionMesh', example('minimal')), 'provision mesh demo · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels'],
  ['a mesh with cells names each cell, its cloud and version, and the Istio release', meshWorkflowSummary('provisionMesh', example('cells')), 'provision mesh cells · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels · cells east (EKS 1.33), west (AKS 1.33) · Istio 1.31-dev'],
  ['a teardown', meshWorkflowSummary('teardownMesh', example('minimal')), 'tear down mesh demo · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels'],
  ['an intermediate rotation through the API', rotationWorkflowSummary('intermediate', example('cells'), 'api'), 'intermediate CA rotation of mesh cells · cells east (EKS), west (AKS), one cell at a time'],
  ['a root rotation through the API', rotationWorkflowSummary('root', example('cells'), 'api'), 'root CA rotation of mesh cells · cells east (EKS), west (AKS), three phases, each in every cell'],
  ['a rotation the schedule starts says so', rotationWorkflowSummary('intermediate', example('cells'), 'schedule'), 'scheduled intermediate CA rotation of mesh cells · cells east (EKS), west (AKS), one cell at a time'],
  [
    'a root rotation a change of the key type starts names the new key type',
    rotationWorkflowSummary('root', { ...example('cells'), pki: { keyType: 'RSA_4096' } }, 'change'),
    'root CA rotation of mesh cells to a new RSA 4096 root, after a change · cells east (EKS), west (AKS), three phases, each in every cell',
  ],
  ['a drill names the cell it cuts, its cloud, and where its requests go', drillWorkflowSummary(example('cells'), 'east'), 'failover drill of mesh cells · cut AWS cell east, fail over to west and back'],
  ['a drill of the Azure cell', drillWorkflowSummary(example('cells'), 'west'), 'failover drill of mesh cells · cut Azure cell west, fail over to east and back'],
] as const) {
  test(`workflow summary: ${name}`, () => assert.equal(actual, expected));
}
