/** The mesh workflow's current details as the Web UI shows them: the status's gist, in Markdown. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshDetails } from '../../domain/mesh-details.ts';
import type { MeshStatus } from '../../domain/mesh-status.ts';

const tunnel = (index: number, insideCidr: string, established: boolean) => ({
  index, insideCidr, established,
  aws: { outsideIp: `198.51.100.${index}`, status: established ? 'UP' : 'DOWN', message: '', acceptedRoutes: established ? 1 : 0 },
  azure: { neighbor: `169.254.21.${index}`, state: established ? 'Connected' : 'Connecting', routesReceived: established ? 1 : 0 },
});

const provisioning: MeshStatus = {
  mesh: 'cells', naming: 2, phase: 'Provisioning', cleanupFailures: [], tunnels: [], clusters: [],
  resources: [
    { id: 'aws/vpc', kind: 'aws.vpc', state: 'ready' },
    { id: 'azure/vpn-gateway', kind: 'azure.vpnGateway', state: 'creating' },
  ],
};

const ready: MeshStatus = {
  ...provisioning,
  phase: 'Ready',
  resources: provisioning.resources.map((r) => ({ ...r, state: 'ready' })),
  tunnels: [tunnel(0, '169.254.21.0/30', true), tunnel(1, '169.254.22.0/30', false)],
  clusters: [{ cell: 'east', cloud: 'aws', name: 'cells-east-x', state: 'ready', network: 'aws-network', nodePool: { count: 2, size: 'm6i.large', state: 'ready' } }],
  verification: { passed: true, checkedAt: '2026-12-01T16:00:00.000Z', checks: [{ id: 'root', pass: true, evidence: 'one root' }, { id: 'mesh-id', pass: true, evidence: 'cells' }] },
};

test('mesh details: while provisioning, the phase and how many resources are ready', () => {
  assert.equal(meshDetails(provisioning), '**Provisioning** · 1 of 2 resources ready');
});

test('mesh details: once up, each tunnel\'s BGP state on both clouds, each cell, the verification', () => {
  assert.equal(meshDetails(ready), [
    '**Ready** · 2 of 2 resources ready',
    '',
    'Tunnels (1 of 2 BGP established):',
    '- 0 169.254.21.0/30: established · AWS UP, 1 routes · Azure Connected, 1 routes',
    '- 1 169.254.22.0/30: not established · AWS DOWN, 0 routes · Azure Connecting, 0 routes',
    '',
    'Cells:',
    '- east: EKS cells-east-x ready · 2 × m6i.large ready · network aws-network',
    '',
    'Verification passed: 2 of 2 checks at 2026-12-01T16:00:00.000Z',
  ].join('\n'));
});

test('mesh details: a change of the root key type shows the root rotation it starts, its state and ID', () => {
  const change = { changeId: 'c1', state: 'Applied' as const, summary: { create: 0, update: 2, replace: 1, delete: 0, unchanged: 45 }, changes: [], progress: { done: 0, total: 0 }, startedAt: '2026-12-01T16:00:00.000Z' };
  const details = meshDetails({ ...ready, change: { ...change, rootRotation: { keyType: 'RSA_4096', state: 'running', expectedSeconds: 92, rotationId: 'rotation-cells-root-0a1b2c3d' } } });
  assert.match(details, /\nChange c1: Applied, 0 of 0 steps\nThen a root rotation to a new RSA_4096 root: running · rotation-cells-root-0a1b2c3d$/);
});

test('mesh details: a failure, what was left behind and the last drift check are shown too', () => {
  const details = meshDetails({
    ...provisioning,
    phase: 'RollbackIncomplete',
    error: 'BGP not established',
    cleanupFailures: [{ resource: 'azure/vnet', error: 'InUseSubnetCannotBeDeleted' }],
    drift: { last: { checkId: 'd1', trigger: 'schedule', mode: 'report', startedAt: '2026-12-01T16:00:00.000Z', checked: 2, drifts: [] } },
  });
  assert.match(details, /^\*\*RollbackIncomplete\*\* · 1 of 2 resources ready\nError: BGP not established\n/);
  assert.match(details, /\nLeft behind \(1\):\n- azure\/vnet: InUseSubnetCannotBeDeleted\n/);
  assert.match(details, /\n\*\*Drift check d1\*\* \(schedule, report\) at 2026-12-01T16:00:00.000Z: 2 resources read, 0 drifted$/);
});
