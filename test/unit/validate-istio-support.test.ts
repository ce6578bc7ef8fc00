/**
 * What the pinned Istio release supports (domain/istio-versions.ts, docs/istio-support.md)
 * and whose root a mesh may use: each unsupported combination is refused at validation,
 * with its rule at its path, before anything is created.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { istioRelease, PROVING_GROUND_ISTIO, supportsKubernetes } from '../../domain/istio-versions.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { rejectionTable } from '../support/rejections.ts';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));
const cellsExample = () => example('cells.json');

function variant(change: (spec: any, eks: any, aks: any) => void): unknown {
  const spec = cellsExample();
  change(spec, spec.cells[0], spec.cells[1]);
  return spec;
}

const supportTable: [minor: string, supported: boolean][] = [
  ['1.30', false],
  ['1.31', false],
  ['1.32', true],
  ['1.33', true],
  ['1.35', true],
  ['1.36', false],
  ['1.4', false],
  ['2.32', false],
  ['1.32.1', false],
];

for (const [minor, supported] of supportTable) {
  test(`Istio 1.31-dev ${supported ? 'supports' : 'does not support'} Kubernetes ${minor} (MinK8SVersion 32, tested up to 1.35)`, () => {
    assert.equal(supportsKubernetes(PROVING_GROUND_ISTIO, minor), supported);
  });
}

test('only the offered releases are known; prototype keys are not releases', () => {
  assert.ok(istioRelease([PROVING_GROUND_ISTIO], '1.31-dev'));
  assert.equal(istioRelease([PROVING_GROUND_ISTIO], '1.30.0'), undefined);
  assert.equal(istioRelease([PROVING_GROUND_ISTIO], 'constructor'), undefined);
  assert.equal(istioRelease([PROVING_GROUND_ISTIO], 'toString'), undefined);
});

test('every example spec is valid under the pinned Istio release', () => {
  for (const file of readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.json'))) {
    const result = validateSpec(example(file));
    assert.ok(result.ok, `${file}: ${JSON.stringify(!result.ok && result.problems)}`);
  }
});

const accepted: [string, (spec: any, eks: any, aks: any) => void][] = [
  ['the oldest Kubernetes Istio and EKS share (1.32)', (_s, e) => (e.kubernetesVersion = '1.32')],
  ['an AKS patch of a supported minor (1.34.4)', (_s, _e, a) => (a.kubernetesVersion = '1.34.4')],
  ['ambient with each cell on its own network', (s) => (s.istio = { dataplane: 'ambient' })],
  ['two cells on one network in sidecar mode', (_s, e, a) => ((e.network = 'shared'), (a.network = 'shared'))],
  ['a root secret of the user\'s own, by name', (s) => (s.pki = { rootSecret: 'platform/mesh-root-ca' })],
  ['a root secret of the user\'s own, by ARN', (s) => (s.pki = { rootSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:platform/root-AbCdEf' })],
  ['a user secret that merely contains "cellbridge" later in its name', (s) => (s.pki = { rootSecret: 'team/cellbridge/root-ca' })],
];

for (const [what, change] of accepted) {
  test(`accepts ${what}`, () => {
    const result = validateSpec(variant(change));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  });
}

test('a Kubernetes version the cloud refuses is reported once, by the cloud rule', () => {
  const result = validateSpec(variant((_s, e) => (e.kubernetesVersion = '1.20')));
  assert.equal(result.ok, false);
  const onField = result.ok ? [] : result.problems.filter((p) => p.path === '/cells/0/kubernetesVersion');
  assert.deepEqual(onField.map((p) => p.rule), ['cell.kubernetes-version']);
});

test('the Istio rule names the release and the range it supports', () => {
  const result = validateSpec(variant((_s, e) => (e.kubernetesVersion = '1.31')));
  const problem = result.ok ? undefined : result.problems.find((p) => p.rule === 'istio.kubernetes-version');
  assert.match(problem?.message ?? '', /1\.31: Istio 1\.31-dev supports Kubernetes 1\.32 to 1\.35/);
});

test('a managed root reference is refused at validation, naming the secret, the rule and the field', () => {
  const result = validateSpec(variant((s) => (s.pki = { rootSecret: 'cellbridge/prod/root-ca' })));
  const problem = result.ok ? undefined : result.problems.find((p) => p.path === '/pki/rootSecret');
  assert.equal(problem?.rule, 'pki.root-secret-managed');
  assert.match(problem?.message ?? '', /cellbridge\/prod\/root-ca is under cellbridge\/.*pki\.rootSecret must name your own root/);
});

const rejected: [string, (spec: any, eks: any, aks: any) => void, string, string][] = [
  ['an EKS cell on Kubernetes 1.31, which EKS runs but Istio 1.31-dev does not support', (_s, e) => (e.kubernetesVersion = '1.31'), '/cells/0/kubernetesVersion', 'istio.kubernetes-version'],
  ['an AKS cell on a 1.31 patch, which AKS runs but Istio 1.31-dev does not support', (_s, _e, a) => (a.kubernetesVersion = '1.31.13'), '/cells/1/kubernetesVersion', 'istio.kubernetes-version'],
  ['ambient with two cells on one network (ambient multicluster is multi-network only)', (s, e, a) => ((s.istio = { dataplane: 'ambient' }), (e.network = 'shared'), (a.network = 'shared')), '/cells/1/network', 'istio.ambient-network'],
  ['a reference to the root cellbridge manages for another mesh', (s) => (s.pki = { rootSecret: 'cellbridge/other/root-ca' }), '/pki/rootSecret', 'pki.root-secret-managed'],
  ['a reference to the next root of a rotation in progress', (s) => (s.pki = { rootSecret: 'cellbridge/other/root-ca-next' }), '/pki/rootSecret', 'pki.root-secret-managed'],
  ['a reference to the mesh\'s own managed root name', (s) => (s.pki = { rootSecret: 'cellbridge/cells/root-ca' }), '/pki/rootSecret', 'pki.root-secret-managed'],
  ['a managed root by ARN', (s) => (s.pki = { rootSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cellbridge/other/root-ca-a1B2c3' }), '/pki/rootSecret', 'pki.root-secret-managed'],
  ['a managed root by ARN in another partition', (s) => (s.pki = { rootSecret: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:cellbridge/other/root-ca' }), '/pki/rootSecret', 'pki.root-secret-managed'],
];

rejectionTable(rejected.map(([what, change, path, rule]) => [what, () => variant(change), path, rule]));
