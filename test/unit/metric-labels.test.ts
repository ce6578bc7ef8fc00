/** Metric labels: which activity is which resource operation, and an ARM call's operation without names or IDs. Tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { azureOperationOf, resourceOperationOf } from '../../domain/metric-labels.ts';

const ACTIVITIES: [string, ReturnType<typeof resourceOperationOf>][] = [
  ['createAwsVpc', { verb: 'create', kind: 'aws.vpc' }],
  ['deleteAwsVpnConnection', { verb: 'delete', kind: 'aws.vpnConnection' }],
  ['createAzureVpnGateway', { verb: 'create', kind: 'azure.vpnGateway' }],
  ['updateAzureConnection', { verb: 'update', kind: 'azure.connection' }],
  ['createKubeHelmRelease', { verb: 'create', kind: 'kube.helmRelease' }],
  ['createPkiRootCa', { verb: 'create', kind: 'pki.rootCa' }],
  ['observeTunnels', undefined],
  ['createAwsNothing', undefined],
  ['createawsVpc', undefined],
  ['AwsVpc', undefined],
];
for (const [activity, operation] of ACTIVITIES) {
  test(`activity ${activity} is ${operation ? `${operation.verb} ${operation.kind}` : 'no resource operation'}`, () => {
    assert.deepEqual(resourceOperationOf(activity), operation);
  });
}

const SUB = 'https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000';
const ARM: [string, string, string][] = [
  ['PUT', `${SUB}/resourceGroups/cellbridge-demo?api-version=2021-04-01`, 'PUT resourceGroups'],
  ['GET', `${SUB}/resourcegroups/cellbridge-demo/providers/Microsoft.Network/virtualNetworkGateways/gw-1?api-version=2024-05-01`, 'GET Microsoft.Network/virtualNetworkGateways'],
  ['POST', `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw-1/getBgpPeerStatus?api-version=2024-05-01`, 'POST Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus'],
  ['PUT', `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/GatewaySubnet`, 'PUT Microsoft.Network/virtualNetworks/subnets'],
  ['GET', `${SUB}/providers/Microsoft.Network/locations/eastus/operations/0f1e?api-version=2024-05-01`, 'GET Microsoft.Network/locations/operations'],
  ['POST', `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-west/listClusterAdminCredential`, 'POST Microsoft.ContainerService/managedClusters/listClusterAdminCredential'],
  ['GET', `${SUB}`, 'GET subscriptions'],
];
for (const [method, url, operation] of ARM) {
  test(`ARM ${method} ${new URL(url).pathname.split('/').slice(3).join('/') || 'subscription'} is operation "${operation}"`, () => {
    assert.equal(azureOperationOf(method, url), operation);
  });
}
