// What a cluster's nodes and kube-controller-manager would make of its objects, simulated
// for one ready control plane (sim/README.md, "Simulated nodes and controllers"): nodes of
// the cluster's node pools, pods of its workloads (scheduled, started, with addresses),
// workload status, endpoint slices, load-balancer addresses, service-account tokens and
// default accounts, garbage collection and namespace finalization. Each is a controller
// over a watch.
import { parseCidr } from '../../azure/ipv4.ts';
import type { HostsFile } from '../hosts-file.ts';
import type { NodePool } from '../node-pool.ts';
import type { ClusterPki } from '../pki.ts';
import { AddressBook, CLOUD_SUBNET, type Range } from './addresses.ts';
import { AdminClient, type KubeObject } from './admin-client.ts';
import { daemonSets } from './daemon-sets.ts';
import { deployments } from './deployments.ts';
import { endpointSlices, type Service } from './endpoint-slices.ts';
import type { BackboneEnd } from '../../envoy/backbone.ts';
import { cellDataPlane, type DataPlaneBinaries } from './cell-data-plane.ts';
import { gateways } from './gateways.ts';
import { ExternalEndpoints, ExternalReadiness } from './external.ts';
import { garbageCollector } from './garbage-collector.ts';
import { kubelet } from './kubelet.ts';
import { loadBalancers, type LoadBalancerCloud } from './load-balancers.ts';
import { motoLoadBalancerInterfaces } from './load-balancer-interfaces.ts';
import { namespaces } from './namespaces.ts';
import { istiods } from './istiod.ts';
import { internalIp, Nodes, POOL_LABEL, type Node } from './nodes.ts';
import { workloadOf, type Pod } from './pods.ts';
import { Reflector, type Controller } from './reflector.ts';
import { scheduler } from './scheduler.ts';
import { servedWebhooks } from './served-webhooks.ts';
import { serviceAccounts } from './service-accounts.ts';
import { sidecars } from './sidecars.ts';
import { tokenSecrets } from './token-secrets.ts';

export interface SimulatedCluster extends LoadBalancerCloud {
  port: number;
  pki: ClusterPki;
  /** Where EKS load-balancer hostnames are published (the pool's hosts file). */
  hosts: HostsFile;
  /** Moto's URL, where an EKS cluster's load balancers keep their network interfaces. */
  awsEndpoint?: string;
  /** Where istiods run (istiod.ts): the pilot-discovery binary, their working directories, their logs. */
  istiod: { bin: string; dir: string; logDir: string; nameserver?: string };
  /** When set, east-west gateway pods and pods with a sidecar run for real (gateways.ts, sidecars.ts): Istio's pilot-agent and upstream Envoy, and where their files go. */
  dataPlane?: { binaries: DataPlaneBinaries; dir: string };
}

/** A proxy the simulator runs, as the pool reports it. */
export interface ProxyInfo {
  pod: string;
  ready: boolean;
  detail: string;
  /** The cell's network namespace (`ip netns exec <it> …` reaches Envoy's admin port). */
  networkNamespace: string;
  /** pilot-agent's status port, reachable from the host (Envoy's stats at /stats/prometheus). */
  statusUrl?: string;
  /** Envoy's admin port on the namespace's loopback. */
  adminPort?: number;
}

export interface Simulator {
  /** Workloads whose readiness another controller reports (see external.ts). */
  readonly external: ExternalReadiness;
  /** Services whose endpoint slices another controller writes (see external.ts). */
  readonly externalEndpoints: ExternalEndpoints;
  /** The cloud emulator changed the node pools: nodes are added or removed to match. */
  setNodePools(pools: NodePool[]): Promise<void>;
  /** The proxies running for the cluster's pods (none without `dataPlane`). */
  proxies(): Promise<ProxyInfo[]>;
  /** The cell as a backbone link sees it (sim/envoy/backbone.ts); undefined without `dataPlane`. */
  backboneEnd(): Promise<BackboneEnd | undefined>;
  stop(): Promise<void>;
}

export function startSimulator(cluster: SimulatedCluster, initialPools: NodePool[]): Simulator {
  const client = new AdminClient(cluster.port, cluster.pki);
  const abort = new AbortController();
  const log = (line: string) => console.log(`cluster ${cluster.key}: ${line}`);
  const addresses = new AddressBook();
  const external = new ExternalReadiness();
  const externalEndpoints = new ExternalEndpoints();
  let pools = initialPools;
  const reflect = <T extends KubeObject>(controller: Controller<T>) => new Reflector(client, controller, abort.signal, log);

  // Informer caches the controllers read from.
  const nodeController = new Nodes(client, cluster, addresses, pools, () => nodesChanged(), log);
  const nodeReflector = reflect(nodeController);
  const nodeByName = (name: string) => nodeReflector.objects().find((n) => n.metadata.name === name);
  const podRange = (node: Node): Range => {
    const overlay = node.spec?.podCIDR;
    if (overlay) return { cidr: overlay, reservedFirst: 1, reservedLast: 1 };
    const pool = pools.find((p) => p.name === node.metadata.labels?.[POOL_LABEL[cluster.flavor]]);
    const ip = internalIp(node) ?? '';
    const subnet = pool?.subnets.find((s) => contains(s.cidr, ip))?.cidr ?? cluster.nodeCidr;
    return { cidr: subnet, ...CLOUD_SUBNET };
  };

  const inNamespace = (namespace: string | undefined) => (o: KubeObject) => o.metadata.namespace === namespace;
  const ownerDeleted = (owner: KubeObject) => collectors.forEach((c) => c.resync(inNamespace(owner.metadata.namespace)));
  const deploymentReflector = reflect(deployments(client, external, ownerDeleted));
  const daemonSetReflector = reflect(daemonSets(client, external, () => nodeReflector.objects(), ownerDeleted));
  const runsForReal = (pod: Pod) => {
    const workload = workloadOf(pod);
    return workload !== undefined && external.owns(workload.kind, pod.metadata.namespace ?? '', workload.name);
  };
  const serviceReflector = reflect<Service>({
    ...endpointSlices(client, {
      pods: () => podReflector.objects(),
      node: nodeByName,
      external: (ns, name) => externalEndpoints.owns(ns, name),
      runsForReal,
    }),
    forget: ownerDeleted,
  });
  const webhookReflector = reflect(servedWebhooks(client, {
    service: (namespace, name) => serviceReflector.objects().find((s) => s.metadata.namespace === namespace && s.metadata.name === name),
    pods: () => podReflector.objects(),
    runsForReal,
  }));
  const podChanged = (pod: Pod) => {
    const same = inNamespace(pod.metadata.namespace);
    deploymentReflector.resync(same);
    daemonSetReflector.resync(same);
    serviceReflector.resync(same);
    webhookReflector.resync();
  };
  const podReflector = reflect(kubelet(client, addresses, external, { node: nodeByName, podRange }, podChanged));
  const schedulerReflector = reflect(scheduler(client, { nodes: () => nodeReflector.objects(), scheduled: () => podReflector.objects().filter((p) => p.spec.nodeName) }));
  const collectors = [
    reflect(garbageCollector(client, '/api/v1/pods', (ns, name) => `/api/v1/namespaces/${ns}/pods/${name}`, ownerDeleted)),
    reflect(garbageCollector(client, '/apis/apps/v1/replicasets', (ns, name) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`, ownerDeleted)),
    reflect(garbageCollector(client, '/apis/discovery.k8s.io/v1/endpointslices', (ns, name) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/${name}`, ownerDeleted)),
  ];
  const lbNetwork = {
    addresses,
    hosts: cluster.hosts,
    subnets: () => [...new Set(pools.flatMap((p) => p.subnets.map((s) => s.cidr)))].concat(pools.length ? [] : [cluster.nodeCidr]),
    ...(cluster.flavor === 'eks' && cluster.awsEndpoint ? { interfaces: motoLoadBalancerInterfaces(cluster.awsEndpoint, cluster.key, log) } : {}),
  };
  const lbReflector = reflect(loadBalancers(client, cluster, lbNetwork));

  function nodesChanged(): void {
    schedulerReflector.resync();
    daemonSetReflector.resync();
    podReflector.resync();
  }
  external.onChange((kind, namespace) => {
    (kind === 'Deployment' ? deploymentReflector : daemonSetReflector).resync(inNamespace(namespace));
    podReflector.resync(inNamespace(namespace));
  });

  const istiod = istiods({ ...cluster.istiod, clusterKey: cluster.key, apiServerPort: cluster.port, caPath: cluster.pki.caPath, client, log }, external);
  const cell = cluster.dataPlane && cellDataPlane({
    clusterKey: cluster.key, networkOwner: cluster.dataPlane.dir, client, hosts: cluster.hosts, binaries: cluster.dataPlane.binaries,
    dir: cluster.dataPlane.dir, logDir: cluster.istiod.logDir, xds: () => istiod.xds('istio-system'), log,
  });
  const dataPlane = cell && {
    cell,
    gateways: gateways({ client, hosts: cluster.hosts, log }, cell),
    sidecars: sidecars({ clusterKey: cluster.key, client, logDir: cluster.istiod.logDir, log }, cell),
  };
  const running = [
    ...(dataPlane ? [reflect(dataPlane.gateways.controller), reflect(dataPlane.sidecars.controller)] : []),
    reflect(istiod.deployments),
    reflect(istiod.secrets),
    reflect(istiod.configMaps),
    nodeReflector, deploymentReflector, daemonSetReflector, serviceReflector, podReflector, schedulerReflector, ...collectors, lbReflector, webhookReflector,
    reflect(tokenSecrets(client, cluster.pki.caPem)),
    reflect(namespaces(client)),
    reflect(serviceAccounts(client, cluster.pki.caPem)),
  ].map((r) => r.run());
  void nodeController.sync();
  return {
    external,
    externalEndpoints,
    setNodePools(next) {
      pools = next;
      return nodeController.setPools(next);
    },
    async proxies() {
      if (!dataPlane) return [];
      const network = await dataPlane.cell.network().catch(() => undefined);
      return [...dataPlane.gateways.proxies(), ...dataPlane.sidecars.proxies()].map(([pod, proxy]) => ({
        pod, ready: proxy.status.ready, detail: proxy.status.detail, networkNamespace: network?.name ?? '',
        ...(proxy.statusUrl ? { statusUrl: proxy.statusUrl } : {}), ...(proxy.adminPort ? { adminPort: proxy.adminPort } : {}),
      }));
    },
    async backboneEnd() {
      if (!dataPlane) return undefined;
      return { network: await dataPlane.cell.network(), gatewayAddresses: () => dataPlane.gateways.addresses() };
    },
    async stop() {
      abort.abort();
      client.close(); // ends requests in flight too, so no loop waits for an answer
      await Promise.all(running);
      await Promise.all([dataPlane?.gateways.stop(), dataPlane?.sidecars.stop()]);
      await dataPlane?.cell.stop();
      await istiod.stop();
    },
  };
}

function contains(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const address = parseCidr(`${ip}/32`);
  return block !== undefined && address !== undefined && address.base >= block.base && address.base < block.base + 2 ** (32 - block.bits);
}
