/**
 * The AKS cluster in its own subnet of the mesh VNet: system-assigned identity, Azure
 * CNI overlay (pods from the spec's pod range, not from the subnet), the spec's service
 * range and DNS service IP, one system node pool. Local accounts stay enabled because
 * the orchestrator reaches the API server with listClusterAdminCredentials.
 */
import type { ManagedCluster } from '@azure/arm-containerservice';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags } from './arm-resource.ts';
import { submittedPoller, type AwaitOperation } from './lro.ts';

type Params = ClusterParams['azure.aksCluster'];

export function aksClusterHandler(clients: CloudClients, lro: AwaitOperation) {
  const clusters = (p: Params) => clients.containerService(p.scope.azure.subscriptionId).managedClusters;
  return armResource<Params, ManagedCluster>({
    get: ({ params }) => clusters(params).get(params.scope.azure.resourceGroup, params.name),
    put: async ({ id, params }, outputs, abortSignal) => {
      const body: ManagedCluster = {
        location: params.scope.azure.location,
        tags: armTags(params.scope, id),
        identity: { type: 'SystemAssigned' },
        dnsPrefix: params.name,
        kubernetesVersion: params.kubernetesVersion,
        enableRbac: true,
        disableLocalAccounts: false,
        agentPoolProfiles: [{
          name: 'system',
          mode: 'System',
          count: params.count,
          vmSize: params.vmSize,
          osType: 'Linux',
          type: 'VirtualMachineScaleSets',
          vnetSubnetID: dependency(outputs, params.subnetNode).cloudId,
        }],
        networkProfile: {
          networkPlugin: 'azure',
          networkPluginMode: 'overlay',
          podCidr: params.podCidr,
          serviceCidr: params.serviceCidr,
          dnsServiceIP: params.dnsServiceIp,
          loadBalancerSku: 'standard',
          outboundType: 'loadBalancer',
        },
      };
      return lro(() => submittedPoller(clusters(params).createOrUpdate(params.scope.azure.resourceGroup, params.name, body, { abortSignal })), abortSignal);
    },
    remove: ({ params }, abortSignal) => lro(() => submittedPoller(clusters(params).delete(params.scope.azure.resourceGroup, params.name, { abortSignal })), abortSignal),
    drift: (cluster, { params }) => {
      const pool = cluster.agentPoolProfiles?.find((p) => p.mode === 'System');
      return pool?.count === params.count ? undefined : `system pool has ${pool?.count} nodes, the spec says ${params.count}`;
    },
    attributes: (cluster) => ({
      fqdn: cluster.fqdn ?? '',
      kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion ?? '',
      nodeCount: String(cluster.agentPoolProfiles?.find((p) => p.mode === 'System')?.count ?? ''),
      vmSize: cluster.agentPoolProfiles?.find((p) => p.mode === 'System')?.vmSize ?? '',
    }),
  });
}
