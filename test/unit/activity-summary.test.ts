/**
 * The Web UI's one line per activity for the mesh's activities that make no resource of
 * its graph, and for a CA rotation's and a drill's: each names what it does and where, so
 * two cells' observations, writes and probes differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drillActivitySummary, meshActivitySummary, rotationActivitySummary } from '../../domain/activity-summary.ts';
import { planTunnels } from '../../domain/apipa-plan.ts';

const tunnels = planTunnels(['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30']);
const east = { cell: 'east', cloud: 'aws', clusterName: 'cells-east-jcwzyk8y' } as const;
const west = { cell: 'west', cloud: 'azure', clusterName: 'cells-west-aiv0qh8g' } as const;

for (const [name, actual, expected] of [
  ['BGP observation names the four tunnels', meshActivitySummary.tunnels(tunnels), 'observe BGP on AWS and Azure · tunnels 0, 1, 2, 3'],
  ['one tunnel is "tunnel"', meshActivitySummary.tunnels(tunnels.slice(3)), 'observe BGP on AWS and Azure · tunnel 3'],
  ['learned routes', meshActivitySummary.learnedRoutes(), 'read the routes each cloud learned over BGP'],
  ['an EKS cell\'s API server', meshActivitySummary.clusterAccess(east), 'probe the API server of cell east · EKS cells-east-jcwzyk8y'],
  ['an AKS cell\'s API server', meshActivitySummary.clusterAccess(west), 'probe the API server of cell west · AKS cells-west-aiv0qh8g'],
  ['Istio of a cell', meshActivitySummary.istio(west), 'inspect Istio on cell west'],
  ['the rotation schedule', meshActivitySummary.rotationSchedule('cells'), 'ensure the CA rotation schedule of mesh cells'],
  ['the rotation schedule\'s removal', meshActivitySummary.deleteRotationSchedule('cells'), 'delete the CA rotation schedule of mesh cells'],
  ['the lease check names the holder', meshActivitySummary.holderRunning('rotation-cells-intermediate-1a2b3c4d'), 'check that rotation-cells-intermediate-1a2b3c4d, holding the mesh, still runs'],
  ['a drift check counts the resources it reads', meshActivitySummary.driftCheck(55), 'check 55 resources for drift'],
  ['a repair round\'s check says which round it closes', meshActivitySummary.driftCheck(55, 2), 'check 55 resources for drift · again after repair round 2'],
  ['claiming the mesh for a rotation', rotationActivitySummary.claim('cells', 'intermediate CA rotation'), 'claim mesh cells for the intermediate CA rotation'],
  ['letting go after a drill', rotationActivitySummary.release('cells', 'failover drill'), 'let go of mesh cells after the failover drill'],
  ['an intermediate write', rotationActivitySummary.rotateIntermediate(west), 'write cacerts of cell west · new intermediate from the current root'],
  ['a write signed by the new root', rotationActivitySummary.signWithNextRoot(east), 'write cacerts of cell east · new intermediate from the new root'],
  ['trusting both roots', rotationActivitySummary.setTrust(east, ['current', 'next']), 'write cacerts of cell east · trust the current and the new root'],
  ['trusting the new root only', rotationActivitySummary.setTrust(west, ['next']), 'write cacerts of cell west · trust the new root only'],
  ['a restore', rotationActivitySummary.restoreCacerts(west), 'restore the previous cacerts of cell west'],
  ['the pick-up wait', rotationActivitySummary.awaitPickup(east), 'await istiod pick-up on cell east'],
  ['the pre-patch check', rotationActivitySummary.checkCluster(east), 'check cacerts and istiod on cell east'],
  ['the next root, with its key type', rotationActivitySummary.prepareNextRoot('cells', 'ECDSA_P256'), 'make the next root CA of mesh cells · ECDSA P256'],
  ['the new root made current', rotationActivitySummary.promoteNextRoot('us-east-1'), 'make the new root CA current in AWS Secrets Manager us-east-1 · retire the old key'],
  ['the probe deployed', drillActivitySummary.deployProbe(east), 'drill: deploy the probe on cell east'],
  ['a cross-cell call', drillActivitySummary.crossCellCall(east, 'west'), 'drill: call cell west\'s echo from cell east over mutual TLS'],
  ['the cut names the cell\'s cloud', drillActivitySummary.measureFailover(east), 'drill: cut AWS cell east · measure failover to another cell'],
  ['the heal', drillActivitySummary.measureFailback(west), 'drill: heal Azure cell west · measure failback'],
  ['the probe removed', drillActivitySummary.removeProbe(west), 'drill: remove the probe from cell west'],
] as const) {
  test(`activity summary: ${name}`, () => assert.equal(actual, expected));
}

test('activity summary: two cells\' observations read differently', () => {
  assert.notEqual(meshActivitySummary.clusterAccess(east), meshActivitySummary.clusterAccess(west));
  assert.notEqual(meshActivitySummary.istio(east), meshActivitySummary.istio(west));
});

test('activity summary: a rotation\'s and a drill\'s steps name the cell, so the two cells\' rows differ', () => {
  for (const line of [rotationActivitySummary.rotateIntermediate, rotationActivitySummary.awaitPickup, rotationActivitySummary.restoreCacerts, drillActivitySummary.deployProbe, drillActivitySummary.measureFailover]) {
    assert.notEqual(line(east), line(west));
  }
});
