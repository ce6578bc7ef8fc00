import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';
import { rejectionTable } from '../support/rejections.ts';

const cellsExample = () => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));

function variant(change: (spec: any, policy: any) => void): unknown {
  const spec = cellsExample();
  change(spec, spec.trafficPolicies[0]);
  return spec;
}

test('Istio, PKI and traffic policy defaults are filled in', () => {
  const result = validateSpec(cellsExample());
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.spec.istio, { version: '1.31-dev', meshId: 'cells', trustDomain: 'cluster.local', dataplane: 'sidecar' });
  assert.deepEqual(result.spec.pki, {
    keyType: 'ECDSA_P256', rootValidityDays: 3650, intermediateValidityDays: 365, verificationMarginDays: 90,
    rotation: { intervalHours: 720, jitterMinutes: 60, pickupSeconds: 180, workloadCertTtlSeconds: 86_400 },
  });
  assert.equal(result.spec.trafficPolicies[0]?.namespace, 'default');
  assert.equal(result.spec.trafficPolicies[0]?.outlierDetection.maxEjectionPercent, 100);
});

test('region failover between the cells\' real regions is accepted', () => {
  const result = validateSpec(variant((_s, p) => {
    delete p.failoverPriority;
    p.failover = [{ from: 'us-east-1', to: 'eastus' }, { from: 'eastus', to: 'us-east-1' }];
  }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
});

const rejected: [string, (spec: any, policy: any) => void, string, string][] = [
  ['an Istio release the worker has no charts for', (s) => (s.istio = { version: '1.19.0' }), '/istio/version', 'istio.version'],
  ['an unknown data plane', (s) => (s.istio = { dataplane: 'proxyless' }), '/istio/dataplane', 'schema.enum'],
  ['a mesh ID that is not a DNS label', (s) => (s.istio = { meshId: 'Mesh_1' }), '/istio/meshId', 'schema.pattern'],
  ['an unknown key type', (s) => (s.pki = { keyType: 'RSA_1024' }), '/pki/keyType', 'schema.enum'],
  ['an intermediate outliving its root', (s) => (s.pki = { rootValidityDays: 365, intermediateValidityDays: 400 }), '/pki/intermediateValidityDays', 'pki.validity-nesting'],
  ['a verification margin no intermediate can meet', (s) => (s.pki = { intermediateValidityDays: 30, verificationMarginDays: 90 }), '/pki/verificationMarginDays', 'pki.margin'],
  ['a rotation interval that lets intermediates reach the margin', (s) => (s.pki = { intermediateValidityDays: 100, verificationMarginDays: 30, rotation: { intervalHours: 24 * 80 } }), '/pki/rotation/intervalHours', 'pki.rotation-interval'],
  ['failover without outlier detection', (_s, p) => delete p.outlierDetection, '/trafficPolicies/0/outlierDetection', 'traffic.outlier-detection'],
  ['outlier detection that cannot eject a whole locality', (_s, p) => (p.outlierDetection.maxEjectionPercent = 10), '/trafficPolicies/0/outlierDetection/maxEjectionPercent', 'traffic.max-ejection'],
  ['both failover and failoverPriority', (_s, p) => (p.failover = [{ from: 'us-east-1', to: 'eastus' }]), '/trafficPolicies/0', 'traffic.failover-one-of'],
  ['neither failover nor failoverPriority', (_s, p) => delete p.failoverPriority, '/trafficPolicies/0', 'traffic.failover-one-of'],
  ['failover to a region no cell is in', (_s, p) => { delete p.failoverPriority; p.failover = [{ from: 'us-east-1', to: 'westeurope' }]; }, '/trafficPolicies/0/failover/0/to', 'traffic.failover-region'],
  ['a failoverPriority label Istio does not know', (_s, p) => (p.failoverPriority = ['network']), '/trafficPolicies/0/failoverPriority/0', 'traffic.failover-label'],
  ['two policies with one name', (s, p) => s.trafficPolicies.push({ ...p }), '/trafficPolicies/1/name', 'traffic.name-duplicate'],
  ['a malformed duration', (_s, p) => (p.outlierDetection.interval = 'one second'), '/trafficPolicies/0/outlierDetection/interval', 'schema.pattern'],
];

rejectionTable(rejected.map(([what, change, path, rule]) => [what, () => variant(change), path, rule]));
