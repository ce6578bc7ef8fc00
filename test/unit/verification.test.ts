import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';
import type { LearnedRoutes } from '../../domain/east-west-routable.ts';
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
  const cell = (name: string, network: string, peer: string, address: string, ips: string[]): ClusterFacts => ({
    cell: name,
    clusterName: `cells-${name}`,
    network,
    rootFingerprints: [ROOT],
    meshRootFingerprint: ROOT,
    intermediate: { fingerprint: `${name}-int`, notAfter: '2027-11-22T00:00:00Z', chainsToMeshRoot: true },
    meshId: 'cells',
    networkLabel: network,
    workloads: [{ name: 'istiod', ready: true }, { name: 'istio-eastwestgateway', ready: true }],
    eastWestAddress: address,
    eastWestIps: ips,
    remoteSecrets: [{ peer, present: true, acceptedAs: 'system:serviceaccount:istio-system:istio-reader-service-account' }],
    staticCredentials: [],
  });
  return [
    cell('east', 'aws-network', 'west', EKS_HOSTNAME, ['10.10.0.77', '10.10.1.77']),
    cell('west', 'azure-network', 'east', '10.20.0.50', ['10.20.0.50']),
  ];
}

const EKS_HOSTNAME = 'k8s-istiosys-istioeas-0123456789-0123456789abcdef.elb.us-east-1.amazonaws.com';

/** What each cloud learns over BGP on a healthy backbone of examples/cells.json: the other's VPC / VNet. */
function learned(): LearnedRoutes {
  return { azureFromAws: ['10.10.0.0/16'], awsFromAzure: ['10.20.0.0/16'] };
}

test('a healthy mesh passes every check, each cluster checked', () => {
  const report = evaluateVerification(spec(), healthy(), [], NOW, learned());
  assert.equal(report.passed, true, JSON.stringify(report.checks.filter((c) => !c.pass)));
  const ids = new Set(report.checks.map((c) => c.id));
  assert.deepEqual([...ids].sort(), ['east-west.address', 'east-west.routable', 'intermediate.chain-and-margin', 'mesh-id.identical', 'network.label', 'remote-secret.accepted', 'root.same-fingerprint', 'secrets.no-static-cloud-credentials', 'workloads.ready']);
  assert.deepEqual(report.checks.filter((c) => c.id === 'east-west.routable').map((c) => c.cluster), ['east', 'west']);
});

test('without learned routes (a run from before they were read) routability is not judged', () => {
  const report = evaluateVerification(spec(), healthy(), [], NOW);
  assert.equal(report.passed, true);
  assert.equal(report.checks.some((c) => c.id === 'east-west.routable'), false);
});

const breakages: [string, (facts: ClusterFacts[]) => void, string][] = [
  ['a cluster whose root-cert.pem holds another root', (f) => (f[1]!.rootFingerprints = ['b'.repeat(64)]), 'root.same-fingerprint'],
  ['an intermediate that does not chain to the mesh root', (f) => (f[1]!.intermediate!.chainsToMeshRoot = false), 'intermediate.chain-and-margin'],
  ['an intermediate expiring inside the margin', (f) => (f[0]!.intermediate!.notAfter = '2027-01-01T00:00:00Z'), 'intermediate.chain-and-margin'],
  ['a missing cacerts', (f) => { delete f[0]!.intermediate; f[0]!.cacertsProblem = 'istio-system/cacerts is missing'; }, 'intermediate.chain-and-margin'],
  ['a different meshID in one cluster', (f) => (f[1]!.meshId = 'mesh1'), 'mesh-id.identical'],
  ['a wrong network label', (f) => (f[0]!.networkLabel = 'azure-network'), 'network.label'],
  ['an istiod that is not ready', (f) => (f[0]!.workloads[0]!.ready = false), 'workloads.ready'],
  ['an east-west gateway without an address', (f) => { delete f[1]!.eastWestAddress; delete f[1]!.eastWestIps; }, 'east-west.address'],
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
    const report = evaluateVerification(spec(), facts, [], NOW, learned());
    assert.equal(report.passed, false);
    const failed = [...new Set(report.checks.filter((c) => !c.pass).map((c) => c.id))];
    // A gateway without an address cannot be routable either.
    assert.deepEqual(failed, check === 'east-west.address' ? [check, 'east-west.routable'] : [check]);
  });
}

const routability: [string, (facts: ClusterFacts[], routes: LearnedRoutes) => LearnedRoutes | { error: string }, { cell: string; evidence: RegExp }][] = [
  ['an AKS frontend IP outside the VNet (a public frontend)', (f, r) => { f[1]!.eastWestAddress = '203.0.113.9'; f[1]!.eastWestIps = ['203.0.113.9']; return r; },
    { cell: 'west', evidence: /^istio-eastwestgateway at 203\.0\.113\.9: 203\.0\.113\.9 outside every learned prefix; the Transit Gateway learned from Azure over BGP: 10\.20\.0\.0\/16$/ }],
  ['an EKS hostname with one address outside the VPC', (f, r) => { f[0]!.eastWestIps = ['10.10.0.77', '198.51.100.7']; return r; },
    { cell: 'east', evidence: /resolves to 10\.10\.0\.77, 198\.51\.100\.7\): 10\.10\.0\.77 inside 10\.10\.0\.0\/16, 198\.51\.100\.7 outside every learned prefix; Azure's VPN gateway learned from AWS over BGP: 10\.10\.0\.0\/16$/ }],
  ['nothing learned by Azure (every tunnel down)', (_f, r) => ({ ...r, azureFromAws: [] }),
    { cell: 'east', evidence: /10\.10\.0\.77 outside every learned prefix.*; Azure's VPN gateway learned from AWS nothing over BGP$/ }],
  ['nothing learned by AWS', (_f, r) => ({ ...r, awsFromAzure: [] }),
    { cell: 'west', evidence: /the Transit Gateway learned from Azure nothing over BGP$/ }],
  ['an EKS hostname that does not resolve', (f, r) => { delete f[0]!.eastWestIps; f[0]!.eastWestUnresolved = 'queryA ENOTFOUND'; return r; },
    { cell: 'east', evidence: new RegExp(`^istio-eastwestgateway at ${EKS_HOSTNAME.replaceAll('.', '\\.')} has no IPv4 address \\(queryA ENOTFOUND\\)`) }],
  ['a gateway address inside the other cloud\'s prefixes but not its own (learned lists swapped)', (_f, r) => ({ azureFromAws: r.awsFromAzure, awsFromAzure: r.azureFromAws }),
    { cell: 'east', evidence: /10\.10\.0\.77 outside every learned prefix/ }],
];

for (const [what, breakIt, expected] of routability) {
  test(`east-west.routable fails for ${what}, naming the addresses and the learned prefixes`, () => {
    const facts = healthy();
    const routes = breakIt(facts, learned());
    const report = evaluateVerification(spec(), facts, [], NOW, routes);
    assert.equal(report.passed, false);
    const failed = report.checks.filter((c) => !c.pass);
    assert.ok(failed.every((c) => c.id === 'east-west.routable'), JSON.stringify(failed));
    const check = failed.find((c) => c.cluster === expected.cell);
    assert.ok(check, `${expected.cell} fails: ${JSON.stringify(failed)}`);
    assert.match(check.evidence, expected.evidence);
  });
}

test('east-west.routable passes with each address inside a learned prefix, and says which', () => {
  const routes = { azureFromAws: ['10.10.0.0/24', '10.10.1.0/24'], awsFromAzure: ['10.30.0.0/16', '10.20.0.0/22'] };
  const checks = evaluateVerification(spec(), healthy(), [], NOW, routes).checks.filter((c) => c.id === 'east-west.routable');
  assert.deepEqual(checks.map((c) => [c.cluster, c.pass, c.evidence]), [
    ['east', true, `istio-eastwestgateway at ${EKS_HOSTNAME} (resolves to 10.10.0.77, 10.10.1.77): 10.10.0.77 inside 10.10.0.0/24, 10.10.1.77 inside 10.10.1.0/24; Azure's VPN gateway learned from AWS over BGP: 10.10.0.0/24, 10.10.1.0/24`],
    ['west', true, 'istio-eastwestgateway at 10.20.0.50: 10.20.0.50 inside 10.20.0.0/22; the Transit Gateway learned from Azure over BGP: 10.30.0.0/16, 10.20.0.0/22'],
  ]);
});

test('learned routes that could not be read fail east-west.routable in every cluster, with the reason', () => {
  const checks = evaluateVerification(spec(), healthy(), [], NOW, { error: 'SearchTransitGatewayRoutes: throttled' }).checks.filter((c) => c.id === 'east-west.routable');
  assert.deepEqual(checks.map((c) => [c.cluster, c.pass]), [['east', false], ['west', false]]);
  assert.match(checks[0]!.evidence, /could not be read: SearchTransitGatewayRoutes: throttled/);
});

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
