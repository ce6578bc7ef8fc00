/**
 * Every activity of the worker, built from injected clients so the same code runs
 * against the clouds or the proving ground. Each resource kind contributes a
 * create<Kind>, update<Kind> and delete<Kind> activity over the shared engine; checkDrift
 * reads them all through the same handlers (activities/drift-check.ts).
 */
import { resourceActivityName, type ResourceActivityName, type ResourceKind } from '../domain/activity-names.ts';
import type { Outputs, ResourceNode, ResourceOutput } from '../domain/resource-graph.ts';
import type { TunnelStatus } from '../domain/tunnel-status.ts';
import type { ClusterFacts } from '../domain/verification.ts';
import { eksAccessEntryHandler } from './aws/eks-access-entry.ts';
import { eksClusterHandler } from './aws/eks-cluster.ts';
import { eksNodegroupHandler } from './aws/eks-nodegroup.ts';
import { EksTokenCache } from './aws/eks-token.ts';
import { iamRoleHandler } from './aws/iam-role.ts';
import { rootCaHandler } from './aws/root-ca-secret.ts';
import { transitGatewayAttachmentHandler, transitGatewayHandler } from './aws/transit-gateway.ts';
import { existingSubnetHandler, existingVpcHandler, subnetHandler, vpcHandler } from './aws/vpc.ts';
import { vpcRouteHandler } from './aws/vpc-route.ts';
import { customerGatewayHandler, vpnConnectionHandler } from './aws/vpn.ts';
import { aksClusterHandler } from './azure/aks-cluster.ts';
import { connectionHandler } from './azure/connection.ts';
import { localNetworkGatewayHandler } from './azure/local-network-gateway.ts';
import { publicIpHandler } from './azure/public-ip.ts';
import { resourceGroupHandler } from './azure/resource-group.ts';
import { subnetHandler as azureSubnetHandler, virtualNetworkHandler } from './azure/virtual-network.ts';
import { vpnGatewayHandler } from './azure/vpn-gateway.ts';
import { awaitOperation, type AwaitOperation } from './azure/lro.ts';
import type { CloudClients } from './cloud-clients.ts';
import { checkDrift, type CheckDriftInput, type DriftFindings } from './drift-check.ts';
import { ResourceEngine, type DeleteResult } from './engine.ts';
import type { PollSettings } from './poll-backoff.ts';
import type { ResourceHandler } from './resource-handler.ts';
import { cacertsHandler } from './kube/cacerts.ts';
import { crdBundleHandler } from './kube/crd-bundle.ts';
import { probeClusterAccess, type ClusterAccess } from './kube/cluster-access.ts';
import { kubeAccess, type KubeAccess } from './kube/cluster-credentials.ts';
import { refreshingCredentials } from './kube/credential-refresh.ts';
import { Helm, type HelmSettings } from './kube/helm.ts';
import { helmReleaseHandler } from './kube/helm-release.ts';
import { hostnameResolver } from './kube/gateway-address.ts';
import { inspectIstio, type InspectIstioInput } from './kube/inspect-istio.ts';
import { istioNamespaceHandler } from './kube/istio-namespace.ts';
import { manifestHandler } from './kube/manifest.ts';
import { remoteSecretHandler } from './kube/remote-secret.ts';
import type { ClusterRef } from '../domain/cluster-graph.ts';
import { rotationActivities } from './rotation/index.ts';
import { drillActivities } from './drill/index.ts';
import { observeTunnels, type ObserveTunnelsInput } from './tunnel-status.ts';
import { observeLearnedRoutes, type ObserveLearnedRoutesInput } from './learned-routes.ts';
import type { LearnedRoutes } from '../domain/east-west-routable.ts';
import type { Client } from '@temporalio/client';

export interface ActivityDeps {
  clients: CloudClients;
  poll: PollSettings;
  helm: HelmSettings;
  /** For the activities that talk to other workflows and schedules (rotation). */
  temporal: { client: Client; taskQueue: string };
  /** Name servers (`host[:port]`) for load-balancer hostnames; the system's resolver without them. */
  dnsServers?: string[];
}

/** `recorded`: the resource's own output as the mesh last recorded it, when it has one (a customer gateway whose tags were removed is found by its ID: resource-handler.ts). */
export type CreateActivity = (node: ResourceNode, outputs: Outputs, recorded?: ResourceOutput) => Promise<ResourceOutput>;
export type DeleteActivity = (node: ResourceNode, recorded?: ResourceOutput) => Promise<DeleteResult>;
export type UpdateActivity = (node: ResourceNode, previous: ResourceNode, outputs: Outputs) => Promise<ResourceOutput>;

/** create<Kind>, update<Kind> and delete<Kind> for every resource kind, each name known to tsc. */
export type ResourceActivities = { [K in ResourceKind as ResourceActivityName<'create', K>]: CreateActivity } & { [K in ResourceKind as ResourceActivityName<'update', K>]: UpdateActivity } & {
  [K in ResourceKind as ResourceActivityName<'delete', K>]: DeleteActivity;
};

/** The worker's whole registry; workflows proxy exactly this type. */
export type MeshActivities = ReturnType<typeof createActivities>;

// Handlers are typed per kind; the registry erases that to dispatch by kind at run time.
type AnyHandler = ResourceHandler<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function handlers(clients: CloudClients, lro: AwaitOperation, kube: KubeAccess, helm: Helm, settings: HelmSettings): Record<ResourceKind, AnyHandler> {
  return {
    'aws.vpc': vpcHandler(clients),
    'aws.existingVpc': existingVpcHandler(clients),
    'aws.subnet': subnetHandler(clients),
    'aws.existingSubnet': existingSubnetHandler(clients),
    'aws.transitGateway': transitGatewayHandler(clients),
    'aws.transitGatewayVpcAttachment': transitGatewayAttachmentHandler(clients),
    'aws.vpcRoute': vpcRouteHandler(clients),
    'aws.customerGateway': customerGatewayHandler(clients),
    'aws.vpnConnection': vpnConnectionHandler(clients),
    'azure.resourceGroup': resourceGroupHandler(clients, lro),
    'azure.virtualNetwork': virtualNetworkHandler(clients, lro),
    'azure.subnet': azureSubnetHandler(clients, lro),
    'azure.publicIp': publicIpHandler(clients, lro),
    'azure.vpnGateway': vpnGatewayHandler(clients, lro),
    'azure.localNetworkGateway': localNetworkGatewayHandler(clients, lro),
    'azure.connection': connectionHandler(clients, lro),
    'aws.iamRole': iamRoleHandler(clients),
    'aws.eksCluster': eksClusterHandler(clients),
    'aws.eksAccessEntry': eksAccessEntryHandler(clients),
    'aws.eksNodegroup': eksNodegroupHandler(clients),
    'azure.aksCluster': aksClusterHandler(clients, lro),
    'pki.rootCa': rootCaHandler(clients),
    'kube.istioNamespace': istioNamespaceHandler(kube),
    'kube.cacerts': cacertsHandler(clients, kube),
    'kube.helmRelease': helmReleaseHandler(kube, helm),
    'kube.manifest': manifestHandler(kube),
    'kube.remoteSecret': remoteSecretHandler(kube),
    'kube.crdBundle': crdBundleHandler(kube, { 'gateway-api': settings.gatewayApiCrdsDir }),
  };
}

export function createActivities(deps: ActivityDeps) {
  const engine = new ResourceEngine(deps.poll);
  const eksTokens = new EksTokenCache();
  const kube = kubeAccess(deps.clients, eksTokens);
  const resolveHostname = hostnameResolver(deps.dnsServers);
  const lro = awaitOperation(deps.poll);
  const byKind = handlers(deps.clients, lro, kube, new Helm(deps.helm), deps.helm);
  return refreshingCredentials(kube.forget, {
    ...resourceActivities(engine, byKind, kube.forget),
    checkDrift: (input: CheckDriftInput): Promise<DriftFindings> => checkDrift(byKind, input),
    observeTunnels: (input: ObserveTunnelsInput): Promise<TunnelStatus[]> => observeTunnels(deps.clients, lro, input, deps.poll),
    probeClusterAccess: (ref: ClusterRef): Promise<ClusterAccess> => probeClusterAccess(kube, ref),
    observeLearnedRoutes: (input: ObserveLearnedRoutesInput): Promise<LearnedRoutes> => observeLearnedRoutes(deps.clients, lro, input),
    inspectIstio: (input: InspectIstioInput): Promise<ClusterFacts> => inspectIstio(deps.clients, kube, input, resolveHostname),
    ...rotationActivities({ clients: deps.clients, kube, temporal: deps.temporal }),
    ...drillActivities({ kube }),
  });
}

/** A cluster made, changed or deleted under a name may answer with other credentials than the ones remembered for that name. */
const CLUSTER_KINDS: readonly ResourceKind[] = ['aws.eksCluster', 'azure.aksCluster'];

function resourceActivities(engine: ResourceEngine, byKind: Record<ResourceKind, AnyHandler>, forgetCredentials: () => void): ResourceActivities {
  const entries = (Object.entries(byKind) as [ResourceKind, AnyHandler][]).flatMap(([kind, handler]) => {
    const forgetting = <T>(run: Promise<T>) => (CLUSTER_KINDS.includes(kind) ? run.finally(forgetCredentials) : run);
    return [
      [resourceActivityName('create', kind), ((node, outputs, recorded) => forgetting(engine.ensure(handler, node, outputs, recorded))) satisfies CreateActivity],
      [resourceActivityName('update', kind), ((node, previous, outputs) => forgetting(engine.update(handler, node, previous, outputs))) satisfies UpdateActivity],
      [resourceActivityName('delete', kind), ((node, recorded) => forgetting(engine.delete(handler, node, recorded))) satisfies DeleteActivity],
    ];
  });
  // Built by iterating a record keyed by every kind, so every mapped name is present.
  return Object.fromEntries(entries) as ResourceActivities;
}
