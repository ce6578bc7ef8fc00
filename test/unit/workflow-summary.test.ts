/** The one line the Web UI shows for a mesh workflow run: what it does, to which mesh, where. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { normalizeSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowSummary } from '../../domain/workflow-summary.ts';

const example = (name: string) => normalizeSpec(JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')));

for (const [name, actual, expected] of [
  ['a backbone-only mesh', meshWorkflowSummary('provisionMesh', example('minimal')), 'provision mesh demo · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels'],
  ['a mesh with cells names each cell, its cloud and version, and the Istio release', meshWorkflowSummary('provisionMesh', example('cells')), 'provision mesh cells · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels · cells east (EKS 1.33), west (AKS 1.33) · Istio 1.31-dev'],
  ['a teardown', meshWorkflowSummary('teardownMesh', example('minimal')), 'tear down mesh demo · AWS us-east-1 ↔ Azure eastus, 4 BGP tunnels'],
] as const) {
  test(`workflow summary: ${name}`, () => assert.equal(actual, expected));
}
