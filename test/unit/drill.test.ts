// The drill's pure parts (domain/drill.ts, domain/probe-plan.ts, drill IDs in domain/names.ts), as tables.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crossCellCheck, drillPlan, echoCell, identitiesSeen, parseXfcc, phaseFigures, settled, type DrillSample } from '../../domain/drill.ts';
import { drillIdOwner, drillWorkflowId } from '../../domain/names.ts';
import { probeObjects } from '../../domain/probe-plan.ts';

const cell = (name: string, region: string) => ({ name, region }) as never;
const istio = { istio: { trustDomain: 'example.org' } } as never;
const echoOf = (c: string) => `spiffe://example.org/ns/cellbridge-probe/sa/probe-echo-${c}`;
const clientOf = (c: string) => `spiffe://example.org/ns/cellbridge-probe/sa/probe-client-${c}`;

describe('drillPlan: which cell a drill degrades', () => {
  const cells = [cell('east', 'us-east-1'), cell('west', 'eastus')];
  const rows: [string, Parameters<typeof drillPlan>[0], string | undefined, ReturnType<typeof drillPlan>][] = [
    ['the cell asked for', { cells, trafficPolicies: [] }, 'west', { cell: 'west' }],
    ['the cell in the region of the first failover rule\'s from', { cells, trafficPolicies: [{ failover: [{ from: 'eastus', to: 'us-east-1' }] }] as never }, undefined, { cell: 'west' }],
    ['the first cell when no rule names a region of a cell', { cells, trafficPolicies: [{ failover: [{ from: 'westus', to: 'us-east-1' }] }] as never }, undefined, { cell: 'east' }],
    ['the first cell without failover rules', { cells, trafficPolicies: [] }, undefined, { cell: 'east' }],
    ['no such cell', { cells, trafficPolicies: [] }, 'north', { problem: 'the mesh has no cell north (cells: east, west)' }],
    ['one cell has nowhere to fail over to', { cells: [cells[0]!], trafficPolicies: [] }, undefined, { problem: 'a drill needs at least two cells to fail over between; the mesh has 1' }],
  ];
  for (const [name, spec, requested, expected] of rows) test(name, () => assert.deepEqual(drillPlan(spec, requested), expected));
});

describe('parseXfcc: the identities the serving sidecar added', () => {
  const rows: [string, string | undefined, ReturnType<typeof parseXfcc>][] = [
    ['Envoy\'s form', `By=${echoOf('west')};Hash=ab12;Subject="";URI=${clientOf('east')}`, { peer: clientOf('east'), server: echoOf('west') }],
    ['the last element is the server\'s own (earlier hops come first)', `By=spiffe://x/a;URI=spiffe://x/b,By=${echoOf('east')};URI=${clientOf('west')}`, { peer: clientOf('west'), server: echoOf('east') }],
    ['no client certificate: no URI', `By=${echoOf('east')};Hash=00`, { server: echoOf('east') }],
    ['no header', undefined, {}],
  ];
  for (const [name, header, expected] of rows) test(name, () => assert.deepEqual(parseXfcc(header), expected));
});

describe('echoCell and crossCellCheck', () => {
  test('the serving cell is read from the echo\'s service account, only among the mesh\'s cells and trust domain', () => {
    assert.equal(echoCell(istio, ['east', 'west'], echoOf('west')), 'west');
    assert.equal(echoCell(istio, ['east', 'west'], 'spiffe://cluster.local/ns/cellbridge-probe/sa/probe-echo-west'), undefined);
    assert.equal(echoCell(istio, ['east'], echoOf('west')), undefined);
    assert.equal(echoCell(istio, ['east'], undefined), undefined);
  });
  const rows: [string, Parameters<typeof crossCellCheck>[3], boolean][] = [
    ['200 with both expected identities is mutual TLS', { status: 200, peer: clientOf('east'), server: echoOf('west') }, true],
    ['answered by the caller\'s own cell is not', { status: 200, peer: clientOf('east'), server: echoOf('east') }, false],
    ['no client identity seen is not', { status: 200, server: echoOf('west') }, false],
    ['a failed request is not', { status: 503 }, false],
  ];
  for (const [name, sample, mutualTls] of rows) test(name, () => assert.equal(crossCellCheck(istio, 'east', 'west', sample).mutualTls, mutualTls));
});

describe('phaseFigures and settled: figures from the samples of a phase (event at 0)', () => {
  const s = (at: number, status: number, servedBy?: string, ms = 20): DrillSample => ({ at, ms, status, ...(servedBy ? { servedBy } : {}) });
  const west = (c: string | undefined) => c === 'west';
  const rows: [string, DrillSample[], ReturnType<typeof phaseFigures>][] = [
    ['failover with one failure inside the window', [s(-100, 200, 'east'), s(10, 503), s(60, 200, 'west', 30), s(120, 200, 'west')], { requests: 4, failures: 1, failuresOutsideWindow: 0, settledMs: 90 }],
    ['no failure at all (a retry served it elsewhere at once)', [s(5, 200, 'west'), s(50, 200, 'west')], { requests: 2, failures: 0, failuresOutsideWindow: 0, settledMs: 25 }],
    ['a failure after it settled counts outside', [s(10, 200, 'west'), s(60, 0), s(120, 200, 'west')], { requests: 3, failures: 1, failuresOutsideWindow: 1, settledMs: 30 }],
    ['a failure before the event counts outside', [s(-50, 503), s(10, 200, 'west')], { requests: 2, failures: 1, failuresOutsideWindow: 1, settledMs: 30 }],
    ['never settled: no time, failures inside the open window', [s(10, 503), s(60, 200, 'east')], { requests: 2, failures: 1, failuresOutsideWindow: 0 }],
    ['a success before the event does not settle it', [s(-10, 200, 'west'), s(30, 503)], { requests: 2, failures: 1, failuresOutsideWindow: 0 }],
  ];
  for (const [name, samples, expected] of rows) test(name, () => assert.deepEqual(phaseFigures(samples, west), expected));

  test('settled: the last n samples after the event all 200 where they should land', () => {
    assert.equal(settled([s(-10, 200, 'west'), s(10, 200, 'west'), s(20, 200, 'west')], west, 2), true);
    assert.equal(settled([s(-10, 200, 'west'), s(10, 200, 'west')], west, 2), false, 'a sample before the event does not count');
    assert.equal(settled([s(10, 200, 'west'), s(20, 200, 'east')], west, 2), false);
    assert.equal(settled([s(10, 200, 'west'), s(20, 503)], west, 2), false);
  });

  test('identitiesSeen: each caller -> server pair once, sorted', () => {
    assert.deepEqual(identitiesSeen([{ peer: 'b', server: 'c' }, { peer: 'a', server: 'c' }, { peer: 'b', server: 'c' }, { server: 'c' }]), ['a -> c', 'b -> c']);
  });
});

describe('drill IDs', () => {
  const rows: [string, string | undefined][] = [
    [drillWorkflowId('abc', '0a1b2c3d'), 'abc'],
    [drillWorkflowId('abc-d', '0a1b2c3d'), 'abc-d'],
    ['drill-abc-0a1b2c3', undefined],
    ['rotation-abc-root-0a1b2c3d', undefined],
    ['drill--0a1b2c3d', undefined],
  ];
  for (const [id, owner] of rows) test(`${id} belongs to ${owner ?? 'no mesh'}`, () => assert.equal(drillIdOwner(id), owner));
});

describe('probeObjects: what the drill deploys into a cell', () => {
  const objects = probeObjects({ name: 'east' }, 'registry.example/cellbridge/probe:1');
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind) as unknown as { metadata: { name: string }; spec: any }[];
  test('the namespace comes first, so everything after it can be applied in order', () => assert.equal(objects[0]?.kind, 'Namespace'));
  test('echo and client run the configured image with a sidecar, as the cell\'s own service accounts', () => {
    const deployments = byKind('Deployment');
    assert.deepEqual(deployments.map((d) => [d.metadata.name, d.spec.template.spec.serviceAccountName, d.spec.template.spec.containers[0].image, d.spec.template.metadata.labels['sidecar.istio.io/inject']]), [
      ['probe-echo', 'probe-echo-east', 'registry.example/cellbridge/probe:1', 'true'],
      ['probe-client', 'probe-client-east', 'registry.example/cellbridge/probe:1', 'true'],
    ]);
  });
  test('the shared echo service and one only this cell has, both onto the sidecar\'s inbound port', () => {
    assert.deepEqual(byKind('Service').map((s) => [s.metadata.name, s.spec.ports[0].targetPort]), [['probe-echo', 8080], ['probe-echo-east', 8080]]);
  });
  test('the DestinationRule ejects at the first 5xx and prefers the caller\'s network', () => {
    const [rule] = byKind('DestinationRule');
    assert.equal(rule?.spec.host, 'probe-echo.cellbridge-probe.svc.cluster.local');
    assert.deepEqual(rule?.spec.trafficPolicy, {
      loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '5s', maxEjectionPercent: 100 },
    });
  });
});
