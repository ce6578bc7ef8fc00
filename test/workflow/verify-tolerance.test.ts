/**
 * Verifying outlasts a cloud API that does not answer for a while: failed tunnel
 * observations and cluster probes are polls that saw nothing until the BGP deadline, and
 * only the deadline rolls the mesh back. Real Temporal dev server, cloud side stubbed at
 * the activity boundary (test/workflow/mesh-harness.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FAST_SETTINGS, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-verify-tolerance');
});
after(async () => {
  await h?.stop();
});

describe('Verifying tolerates failed observations until the BGP deadline', () => {
  test('three failed tunnel observations and four failed cluster probes while Verifying: the mesh still comes up, nothing rolled back', async () => {
    const mesh = 'flaky-observers';
    h.faults.failObservations = 3;
    h.faults.failProbes = 4;
    await startMesh(h, meshSpec('cells', mesh), { ...FAST_SETTINGS, bgpPollInitialMs: 50, bgpPollMaxMs: 50 });
    const status = await waitForPhase(h, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete']);
    assert.ok(['Ready', 'Degraded'].includes(status.phase), `phase ${status.phase}`);
    assert.equal(h.faults.failObservations, 0, 'every injected observation failure was met');
    assert.equal(h.faults.failProbes, 0, 'every injected probe failure was met');
  });

  test('tunnel state that cannot be read up to the deadline still rolls the mesh back, saying so', async () => {
    const mesh = 'blind-observer';
    h.faults.failObservations = 1_000_000;
    try {
      const spec = meshSpec('minimal', mesh);
      const handle = await startMesh(h, { ...spec, backbone: { ...spec.backbone, bgpTimeoutSeconds: 2 } }, { ...FAST_SETTINGS, bgpPollInitialMs: 100, bgpPollMaxMs: 200 });
      const status = await waitForPhase(h, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete']);
      assert.equal(status.phase, 'RolledBack');
      await assert.rejects(handle.result(), (error: Error) => {
        const messages: string[] = [];
        for (let e: (Error & { cause?: unknown }) | undefined = error; e; e = e.cause as typeof e) messages.push(e.message);
        assert.match(messages.join(' <- '), /could not be read within 2s: injected: VPN status not readable/);
        return true;
      });
    } finally {
      h.faults.failObservations = 0;
    }
  });
});
