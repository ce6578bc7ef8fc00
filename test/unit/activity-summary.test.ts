/**
 * The Web UI's one line per activity for the mesh's activities that make no resource of
 * its graph: each names what it reads and where, so two cells' observations differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshActivitySummary } from '../../domain/activity-summary.ts';
import { planTunnels } from '../../domain/apipa-plan.ts';

const tunnels = planTunnels(['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30']);
const east = { cell: 'east', cloud: 'aws', clusterName: 'cells-east-jcwzyk8y' };
const west = { cell: 'west', cloud: 'azure', clusterName: 'cells-west-aiv0qh8g' };

for (const [name, actual, expected] of [
  ['BGP observation names the four tunnels', meshActivitySummary.tunnels(tunnels), 'observe BGP on AWS and Azure · tunnels 0, 1, 2, 3'],
  ['one tunnel is "tunnel"', meshActivitySummary.tunnels(tunnels.slice(3)), 'observe BGP on AWS and Azure · tunnel 3'],
  ['learned routes', meshActivitySummary.learnedRoutes(), 'read the routes each cloud learned over BGP'],
  ['an EKS cell\'s API server', meshActivitySummary.clusterAccess(east), 'probe the API server of cell east · EKS cells-east-jcwzyk8y'],
  ['an AKS cell\'s API server', meshActivitySummary.clusterAccess(west), 'probe the API server of cell west · AKS cells-west-aiv0qh8g'],
  ['Istio of a cell', meshActivitySummary.istio(west), 'inspect Istio on cell west'],
  ['the rotation schedule', meshActivitySummary.rotationSchedule('cells'), 'ensure the CA rotation schedule of mesh cells'],
] as const) {
  test(`activity summary: ${name}`, () => assert.equal(actual, expected));
}

test('activity summary: two cells\' observations read differently', () => {
  assert.notEqual(meshActivitySummary.clusterAccess(east), meshActivitySummary.clusterAccess(west));
  assert.notEqual(meshActivitySummary.istio(east), meshActivitySummary.istio(west));
});
