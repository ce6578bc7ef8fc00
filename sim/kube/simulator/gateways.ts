// East-west gateway pods run for real: for every pod of an `istio=eastwestgateway` workload
// (the gateway chart's Deployment the product installs) the simulator runs `pilot-agent
// proxy router` with upstream Envoy (proxy-pod.ts) in the cell's network namespace, fed by
// the cluster's own istiod, answering on the addresses its LoadBalancer Service advertises
// (AKS: the frontend IP; EKS: the addresses its hostname resolves to). The pod going (its
// Deployment deleted, scaled down, replaced) stops it. The cell's network namespace is
// made with the first proxy, with a forwarder from `istiod.istio-system.svc:15012` (as pods
// call it) to the cluster's istiod on the host's loopback.
import type { Server } from 'node:net';
import { join } from 'node:path';
import { CloudNetwork } from '../../envoy/cloud-network.ts';
import { forwardTcp } from '../../envoy/tcp-forward.ts';
import type { HostsFile } from '../hosts-file.ts';
import type { AdminClient, KubeObject } from './admin-client.ts';
import type { Pod } from './pods.ts';
import { ProxyPod, type ProxyHost } from './proxy-pod.ts';
import type { Controller } from './reflector.ts';
import { selectsMap } from './selectors.ts';

/** The label istio's samples and the product put on east-west gateways. */
export const EAST_WEST_SELECTOR = 'istio=eastwestgateway';
const ISTIO_NAMESPACE = 'istio-system';
const XDS_PORT = 15012;
/** The first port handed to proxies inside a network namespace (below Istio's own 15000s, above the ephemeral range's floor). */
const FIRST_POD_PORT = 20_000;

export interface DataPlaneBinaries {
  pilotAgent: string;
  envoy: string;
  bootstrapTemplate: string;
}

export interface GatewayHost {
  clusterKey: string;
  /** Names the cell's network namespace uniquely on this machine (the pool's directory and the key). */
  networkOwner: string;
  client: AdminClient;
  hosts: HostsFile;
  binaries: DataPlaneBinaries;
  dir: string;
  logDir: string;
  /** The cluster's istiod, where it serves xDS right now. */
  xds(): { host: string; port: number } | undefined;
  log(line: string): void;
}

export interface Gateways {
  controller: Controller<Pod>;
  /** The cell's network namespace, once made. */
  network(): Promise<CloudNetwork>;
  /** Each running gateway proxy by `<namespace>/<pod>`: its status and where to reach it. */
  proxies(): Map<string, ProxyPod>;
  stop(): Promise<void>;
}

interface Service extends KubeObject {
  spec: { type?: string; selector?: Record<string, string> };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export function gateways(host: GatewayHost): Gateways {
  const running = new Map<string, ProxyPod>();
  let network: Promise<CloudNetwork> | undefined;
  let forwarder: Server | undefined;
  let nextPort = FIRST_POD_PORT;

  const ensureNetwork = () => {
    network ??= (async () => {
      const made = await CloudNetwork.create(host.networkOwner);
      made.nameHost(`istiod.${ISTIO_NAMESPACE}.svc`);
      forwarder = await forwardTcp(made.hostAddress, XDS_PORT, host.xds);
      host.log(`network namespace ${made.name}: host end ${made.hostAddress} (istiod's xDS forwarded there), namespace end ${made.address}`);
      return made;
    })().catch((error: Error) => {
      network = undefined;
      throw error;
    });
    return network;
  };
  const proxyHost: ProxyHost = {
    clusterKey: host.clusterKey,
    client: host.client,
    dir: join(host.dir, 'proxies'),
    logDir: host.logDir,
    pilotAgent: host.binaries.pilotAgent,
    envoy: host.binaries.envoy,
    bootstrapTemplate: host.binaries.bootstrapTemplate,
    network: ensureNetwork,
    ports: (count) => Array.from({ length: count }, () => nextPort++),
    discoveryAddress: `istiod.${ISTIO_NAMESPACE}.svc:${XDS_PORT}`,
    log: host.log,
  };

  const stopPod = async (key: string) => {
    const pod = running.get(key);
    running.delete(key);
    await pod?.stop();
  };

  /** The addresses of the load balancers in front of the pod; throws (retried) until each has one. */
  const loadBalancerAddresses = async (pod: Pod): Promise<string[]> => {
    const namespace = pod.metadata.namespace ?? '';
    const { items } = await host.client.call<{ items: Service[] }>('GET', `/api/v1/namespaces/${namespace}/services`);
    const fronting = items.filter((s) => s.spec.type === 'LoadBalancer' && s.spec.selector && selectsMap(s.spec.selector, pod.metadata.labels));
    const addresses = fronting.flatMap((service) => (service.status?.loadBalancer?.ingress ?? []).flatMap((ingress) => (ingress.ip ? [ingress.ip] : ingress.hostname ? host.hosts.lookup(ingress.hostname) : [])));
    if (fronting.length && !addresses.length) throw new Error(`no load-balancer address yet for ${namespace}/${pod.metadata.name}`);
    return addresses;
  };

  return {
    controller: {
      path: `/api/v1/pods?labelSelector=${encodeURIComponent(EAST_WEST_SELECTOR)}`,
      async reconcile(pod) {
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        const current = running.get(key);
        if (pod.metadata.deletionTimestamp) return void (await stopPod(key));
        if (current || !pod.status?.podIP || !pod.spec.nodeName) return;
        const addresses = await loadBalancerAddresses(pod);
        running.set(key, new ProxyPod(proxyHost, pod, 'router', addresses, (status) => host.log(`gateway ${key}: ${status.detail}`)));
      },
      forget(pod) {
        void stopPod(`${pod.metadata.namespace}/${pod.metadata.name}`);
      },
    },
    network: ensureNetwork,
    proxies: () => running,
    async stop() {
      await Promise.all([...running.keys()].map(stopPod));
      forwarder?.close();
      if (network) await (await network.catch(() => undefined))?.destroy();
    },
  };
}
