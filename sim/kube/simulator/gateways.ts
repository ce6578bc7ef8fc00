// East-west gateway pods run for real: for every pod of an `istio=eastwestgateway` workload
// (the gateway chart's Deployment the product installs) the simulator runs `pilot-agent
// proxy router` with upstream Envoy (proxy-pod.ts) in the cell's network namespace, fed by
// the cluster's own istiod, answering on the addresses its LoadBalancer Service advertises
// (AKS: the frontend IP; EKS: the addresses its hostname resolves to). The pod going (its
// Deployment deleted, scaled down, replaced) stops it. The cell's namespace and what its
// proxies share: cell-data-plane.ts.
import type { HostsFile } from '../hosts-file.ts';
import type { AdminClient, KubeObject } from './admin-client.ts';
import type { CellDataPlane } from './cell-data-plane.ts';
import type { Pod } from './pods.ts';
import { ProxyPod } from './proxy-pod.ts';
import type { Controller } from './reflector.ts';
import { selectsMap } from './selectors.ts';

/** The label istio's samples and the product put on east-west gateways. */
export const EAST_WEST_SELECTOR = 'istio=eastwestgateway';
export interface GatewayHost {
  client: AdminClient;
  hosts: HostsFile;
  log(line: string): void;
}

export interface Gateways {
  controller: Controller<Pod>;
  /** Each running gateway proxy by `<namespace>/<pod>`: its status and where to reach it. */
  proxies(): Map<string, ProxyPod>;
  /** The load-balancer addresses the running gateways answer on (what the cell advertises to the other cloud). */
  addresses(): string[];
  stop(): Promise<void>;
}

interface Service extends KubeObject {
  spec: { type?: string; selector?: Record<string, string> };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export function gateways(host: GatewayHost, cell: CellDataPlane): Gateways {
  const running = new Map<string, ProxyPod>();
  const advertised = new Map<string, string[]>();

  const stopPod = async (key: string) => {
    const pod = running.get(key);
    running.delete(key);
    advertised.delete(key);
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
        running.set(key, new ProxyPod(cell.proxyHost, pod, 'router', addresses, (status) => host.log(`gateway ${key}: ${status.detail}`)));
        advertised.set(key, addresses);
      },
      forget(pod) {
        void stopPod(`${pod.metadata.namespace}/${pod.metadata.name}`);
      },
    },
    proxies: () => running,
    addresses: () => [...new Set([...advertised.values()].flat())],
    async stop() {
      await Promise.all([...running.keys()].map(stopPod));
    },
  };
}
