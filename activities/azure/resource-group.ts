/** The mesh's resource group: cellbridge creates it and owns it; a group of that name it did not create stops the run (ownership.ts). */
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { armResource, armTags } from './arm-resource.ts';

export function resourceGroupHandler(clients: CloudClients) {
  const groups = (scope: BackboneParams['azure.resourceGroup']['scope']) => clients.resources(scope.azure.subscriptionId).resourceGroups;
  return armResource<BackboneParams['azure.resourceGroup'], { id?: string; provisioningState?: string; tags?: Record<string, string> }>({
    get: async ({ params }) => {
      const group = await groups(params.scope).get(params.name);
      return { id: group.id, provisioningState: group.properties?.provisioningState, tags: group.tags };
    },
    put: ({ id, params }) => groups(params.scope).createOrUpdate(params.name, { location: params.scope.azure.location, tags: armTags(params.scope, id) }),
    remove: ({ params }, abortSignal) => groups(params.scope).beginDeleteAndWait(params.name, { abortSignal }),
  });
}
