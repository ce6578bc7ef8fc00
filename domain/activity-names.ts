/**
 * Activity type names per resource kind, e.g. aws.vpnConnection → createAwsVpnConnection:
 * readable in the Web UI, and derived at the type level too, so the registry, the
 * workflows' stubs and every call site are checked by tsc against the kind unions.
 */
import type { BackboneKind } from './backbone-graph.ts';
import type { ClusterKind } from './cluster-graph.ts';
import type { IstioKind } from './istio-graph.ts';

export type ResourceKind = BackboneKind | ClusterKind | IstioKind;
export type ResourceVerb = 'create' | 'update' | 'delete';

/** `create${Cloud}${Resource}` / `update${Cloud}${Resource}` / `delete${Cloud}${Resource}` of one kind. */
export type ResourceActivityName<V extends ResourceVerb, K extends ResourceKind> = K extends `${infer Cloud}.${infer Resource}`
  ? `${V}${Capitalize<Cloud>}${Capitalize<Resource>}`
  : never;

/** Every kind a graph can hold; the check below makes tsc fail when a kind is added to a union but not here. */
export const RESOURCE_KINDS = [
  'aws.vpc', 'aws.existingVpc', 'aws.subnet', 'aws.existingSubnet', 'aws.transitGateway', 'aws.transitGatewayVpcAttachment',
  'aws.vpcRoute', 'aws.customerGateway', 'aws.vpnConnection', 'azure.resourceGroup', 'azure.virtualNetwork', 'azure.subnet',
  'azure.publicIp', 'azure.vpnGateway', 'azure.localNetworkGateway', 'azure.connection',
  'aws.iamRole', 'aws.eksCluster', 'aws.eksAccessEntry', 'aws.eksNodegroup', 'azure.aksCluster',
  'pki.rootCa', 'kube.istioNamespace', 'kube.cacerts', 'kube.helmRelease', 'kube.manifest', 'kube.remoteSecret', 'kube.crdBundle',
] as const satisfies readonly ResourceKind[];
type Missing = Exclude<ResourceKind, (typeof RESOURCE_KINDS)[number]>;
const everyKindListed: [Missing] extends [never] ? true : Missing = true;
void everyKindListed;

export function isResourceKind(kind: string): kind is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(kind);
}

export function resourceActivityName<V extends ResourceVerb, K extends ResourceKind>(verb: V, kind: K): ResourceActivityName<V, K> {
  const [cloud = '', resource = ''] = kind.split('.');
  const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `${verb}${pascal(cloud)}${pascal(resource)}` as ResourceActivityName<V, K>;
}
