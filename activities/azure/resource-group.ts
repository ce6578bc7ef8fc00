/** The mesh's resource group: cellbridge creates it and owns it; a group of that name it did not create stops the run (ownership.ts). */
import type { ResourceGroup } from '@azure/arm-resources';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { armResource, armTags, type ArmObserved } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

export function resourceGroupHandler(clients: CloudClients, lro: AwaitOperation) {
  const groups = (scope: BackboneParams['azure.resourceGroup']['scope']) => clients.resources(scope.azure.subscriptionId).resourceGroups;
  return armResource<BackboneParams['azure.resourceGroup'], ArmObserved>({
    get: async ({ params }) => observed(await groups(params.scope).get(params.name)),
    put: async ({ id, params }) => observed(await groups(params.scope).createOrUpdate(params.name, { location: params.scope.azure.location, tags: armTags(params.scope, id) })),
    remove: ({ params }, abortSignal) => lro(() => groups(params.scope).beginDelete(params.name, { abortSignal }), abortSignal),
  });
}

/** A group's answer, the same from its GET and its PUT. */
function observed(group: ResourceGroup): ArmObserved {
  return { id: group.id, provisioningState: group.properties?.provisioningState, tags: group.tags };
}
