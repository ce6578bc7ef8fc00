/**
 * What the Web UI shows per activity of a mesh: each resource activity scheduled by the
 * real workflow on a real Temporal dev server (activities stubbed at the boundary) carries
 * a summary naming its resource, and no two resources share one, so the timeline no
 * longer shows rows of identical activity types; the observations and the rotation
 * schedule carry one as well. And the live mesh run's current details (the UI's User
 * Metadata tab) give its phase, tunnels and cells.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyChain } from '../support/history.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-summaries');
});
after(async () => {
  await h?.stop();
});

test('every resource activity of a mesh with cells carries its own one-line summary: the resource, and its tunnel or cell', async () => {
  await startMesh(h, meshSpec('cells', 'sums'));
  await waitForPhase(h, 'sums', ['Ready', 'Degraded']);
  const [provisioning] = await historyChain(h.client, meshWorkflowId('sums'));
  const scheduled = (provisioning!.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
  const summaries = scheduled
    .filter((e) => /^(create|delete)[A-Z]/.test(e.activityTaskScheduledEventAttributes!.activityType!.name!))
    .map((e) => (e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : `(none: ${e.activityTaskScheduledEventAttributes!.activityType!.name})`));
  assert.ok(summaries.length >= 40, `${summaries.length} resource activities`);
  for (const expected of [
    'create Azure connection sums-to-aws-t0 · tunnel 0 169.254.21.0/30',
    'create Azure connection sums-to-aws-t3 · tunnel 3 169.254.22.4/30',
    'create Azure local network gateway sums-aws-t2 · tunnel 2 169.254.21.4/30',
    'create AWS VPN connection sums-vpn-0 · tunnels 0 169.254.21.0/30, 1 169.254.22.0/30',
    'create Helm release istiod · on cell west',
    'create remote secret · in cell east, for cell west',
    'create Istio objects traffic-policies · on cell east',
  ]) {
    assert.ok(summaries.includes(expected), `"${expected}" among:\n${summaries.join('\n')}`);
  }
  assert.equal(new Set(summaries).size, summaries.length, `no two resource activities share a summary:\n${summaries.join('\n')}`);
});

test('the activities that make no resource carry a summary too: each cell\'s observations read differently, none shows a bare type', async () => {
  await startMesh(h, meshSpec('cells', 'obs'));
  await waitForPhase(h, 'obs', ['Ready', 'Degraded']);
  const [provisioning] = await historyChain(h.client, meshWorkflowId('obs'));
  const scheduled = (provisioning!.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
  const type = (e: (typeof scheduled)[number]) => e.activityTaskScheduledEventAttributes!.activityType!.name!;
  assert.deepEqual(scheduled.filter((e) => !e.userMetadata?.summary).map(type), [], 'activities scheduled without a summary');
  const others = scheduled.filter((e) => !/^(create|delete)[A-Z]/.test(type(e))).map((e) => `${type(e)}: ${defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!)}`);
  for (const expected of [
    'observeTunnels: observe BGP on AWS and Azure · tunnels 0, 1, 2, 3',
    'inspectIstio: inspect Istio on cell east',
    'inspectIstio: inspect Istio on cell west',
    'ensureRotationSchedule: ensure the CA rotation schedule of mesh obs',
  ]) {
    assert.ok(others.includes(expected), `"${expected}" among:\n${others.join('\n')}`);
  }
  const probes = others.filter((o) => o.startsWith('probeClusterAccess: '));
  assert.equal(new Set(probes).size, 2, `one probe line per cell:\n${probes.join('\n')}`);
});

test('the live mesh run shows its phase, every tunnel and every cell as the workflow\'s current details, after continuing as new too', async () => {
  await startMesh(h, meshSpec('cells', 'det'));
  const { phase } = await waitForPhase(h, 'det', ['Ready', 'Degraded']);
  const latest = h.client.workflow.getHandle(meshWorkflowId('det'));
  assert.ok((await historyChain(h.client, meshWorkflowId('det'))).length > 1, 'the mesh continued as new once up');
  const { currentDetails } = await latest.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  assert.match(currentDetails, new RegExp(`^\\*\\*${phase}\\*\\* · (\\d+) of \\1 resources ready\n`));
  assert.match(currentDetails, /\nTunnels \(4 of 4 BGP established\):\n- 0 169\.254\.21\.0\/30: established/);
  assert.match(currentDetails, /\nCells:\n- east: EKS \S+ ready · 2 × m6i\.large ready · network aws-network\n- west: AKS \S+ ready/);
  assert.match(currentDetails, /\nVerification (passed|failed): \d+ of \d+ checks at /);
});
