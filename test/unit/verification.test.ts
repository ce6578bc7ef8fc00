import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';
import { evaluateVerification, type ClusterFacts, type RemoteSecretFacts } from '../../domain/verification.ts';

const NOW = new Date('2026-11-22T00:00:00Z');
const ROOT = 'a'.repeat(64);

function spec() {
  const result = validateSpec(JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8')));
  assert.ok(result.ok);
  return result.spec;
}

/** What a healthy two-cell mesh reports. */
function healthy(): ClusterFacts[] {
  const cell = (name: string, network: string, peer: string): ClusterFacts => ({
    cell: name,
    clusterName: `cells-${name}`,
    network,
    rootFingerprints: [ROOT],
    meshRootFingerprint: ROOT,
    intermediate: { fingerprint: `${name}-int`, notAfter: '2027-11-22T00:00:00Z', chainsToMeshRoot: true },
    meshId: 'cells',
    networkLabel: network,
    workloads: [{ name: 'istiod', ready: true }, { name: 'istio-eastwestgateway', ready: true }],
    eastWestAddress: '10.20.0.50',
    remoteSecrets: [{ peer, present: true, acceptedAs: 'system:serviceaccount:istio-system:istio-reader-service-account' }],
    staticCredentials: [],
  });
  return [cell('east', 'aws-network', 'west'), cell('west', 'azure-network', 'east')];
}

test('a healthy mesh passes every check, each cluster checked', () => {
  const report = evaluateVerification(spec(), healthy(), [], NOW);
  assert.equal(report.passed, true, JSON.stringify(report.checks.filter((c) => !c.pass)));
  const ids = new Set(report.checks.map((c) => c.id));
  assert.deepEqual([...ids].sort(), ['east-west.address', 'intermediate.chain-and-margin', 'mesh-id.identical', 'network.label', 'remote-secret.accepted', 'root.same-fingerprint', 'secrets.no-static-cloud-credentials', 'workloads.ready']);
});

const breakages: [string, (facts: ClusterFacts[]) => void, string][] = [
  ['a cluster whose root-cert.pem holds another root', (f) => (f[1]!.rootFingerprints = ['b'.repeat(64)]), 'root.same-fingerprint'],
  ['an intermediate that does not chain to the mesh root', (f) => (f[1]!.intermediate!.chainsToMeshRoot = false), 'intermediate.chain-and-margin'],
  ['an intermediate expiring inside the margin', (f) => (f[0]!.intermediate!.notAfter = '2027-01-01T00:00:00Z'), 'intermediate.chain-and-margin'],
  ['a missing cacerts', (f) => { delete f[0]!.intermediate; f[0]!.cacertsProblem = 'istio-system/cacerts is missing'; }, 'intermediate.chain-and-margin'],
  ['a different meshID in one cluster', (f) => (f[1]!.meshId = 'mesh1'), 'mesh-id.identical'],
  ['a wrong network label', (f) => (f[0]!.networkLabel = 'azure-network'), 'network.label'],
  ['an istiod that is not ready', (f) => (f[0]!.workloads[0]!.ready = false), 'workloads.ready'],
  ['an east-west gateway without an address', (f) => delete f[1]!.eastWestAddress, 'east-west.address'],
  ['a missing remote secret', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: false }]), 'remote-secret.accepted'],
  ['a malformed remote secret', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: true, malformed: 'no data key cells-east' }]), 'remote-secret.accepted'],
  ['a remote secret whose token the peer rejects', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: true, rejected: 'HTTP 401' }]), 'remote-secret.accepted'],
  ['a remote secret whose kubeconfig was refused (an exec plugin)', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: true, refused: 'users[0].user.exec: runs a program on the worker (credential plugin); refused' }]), 'remote-secret.accepted'],
  ['a remote secret naming a server that is not the peer\'s', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: true, foreignServer: { named: 'https://10.9.9.9', peer: 'https://127.0.0.1:6443' } }]), 'remote-secret.accepted'],
  ['a remote secret trusting a CA that is not the peer\'s', (f) => (f[1]!.remoteSecrets = [{ peer: 'east', present: true, foreignCa: { named: ['c'.repeat(64)], peer: ['d'.repeat(64)] } }]), 'remote-secret.accepted'],
  ['a static AWS key in a mesh namespace', (f) => (f[0]!.staticCredentials = ['istio-system/creds: key (an AWS access key ID)']), 'secrets.no-static-cloud-credentials'],
];

for (const [what, breakIt, check] of breakages) {
  test(`${what} fails ${check}, and only that check`, () => {
    const facts = healthy();
    breakIt(facts);
    const report = evaluateVerification(spec(), facts, [], NOW);
    assert.equal(report.passed, false);
    assert.deepEqual([...new Set(report.checks.filter((c) => !c.pass).map((c) => c.id))], [check]);
  });
}

test('a cluster that cannot be inspected is a failed check, not a crash', () => {
  const report = evaluateVerification(spec(), healthy().slice(0, 1), [{ cell: 'west', error: 'connect ECONNREFUSED' }], NOW);
  assert.equal(report.passed, false);
  assert.deepEqual(report.checks.find((c) => c.id === 'cluster.inspected'), { id: 'cluster.inspected', cluster: 'west', pass: false, evidence: 'connect ECONNREFUSED' });
});

const untrusted: [string, Partial<RemoteSecretFacts>, RegExp][] = [
  ['a refused kubeconfig names the field and says nothing was run or sent', { refused: 'users[0].user.exec: runs a program on the worker (credential plugin); refused' },
    /^remote secret for east is refused, nothing was run or sent: users\[0\]\.user\.exec: runs a program on the worker/],
  ['a foreign server names both servers and says the token was not sent', { foreignServer: { named: 'https://10.9.9.9:8443', peer: 'https://127.0.0.1:6443' } },
    /^remote secret for east names server https:\/\/10\.9\.9\.9:8443, not east's API server https:\/\/127\.0\.0\.1:6443; its token was not sent$/],
  ['a foreign CA names both fingerprints and says the token was not sent', { foreignCa: { named: ['c'.repeat(64)], peer: ['d'.repeat(64)] } },
    new RegExp(`^remote secret for east trusts CA ${'c'.repeat(64)}, not east's API server CA ${'d'.repeat(64)}; its token was not sent$`)],
];

for (const [what, fact, evidence] of untrusted) {
  test(`remote-secret evidence: ${what}, even beside an acceptedAs`, () => {
    const facts = healthy();
    // acceptedAs beside a refusal must not pass: the refusal wins.
    facts[1]!.remoteSecrets = [{ peer: 'east', present: true, acceptedAs: 'someone', ...fact }];
    const check = evaluateVerification(spec(), facts, [], NOW).checks.find((c) => c.id === 'remote-secret.accepted' && c.cluster === 'west')!;
    assert.equal(check.pass, false);
    assert.match(check.evidence, evidence);
  });
}
