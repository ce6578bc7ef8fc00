// The cloud's load-balancer controller: a Service of type LoadBalancer gets an address in
// its status, as EKS (a load balancer's hostname) or AKS (a frontend IP) would give it.
// EKS hostnames resolve (through the pool's hosts file) to one address in each of the
// cluster's subnets, AKS internal frontends come from the node subnet: addresses the
// other cloud can route to over the backbone. Addresses are derived from the cluster and
// the Service's namespace and name, so the same Service gets the same ones every run.
// Only the status subresource is written.
import { createHash } from 'node:crypto';
import type { HostsFile } from '../hosts-file.ts';
import { CLOUD_SUBNET, type AddressBook } from './addresses.ts';
import { MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { LoadBalancerInterfaces } from './load-balancer-interfaces.ts';
import type { Controller } from './reflector.ts';

export interface LoadBalancerCloud {
  /** The pool's key of the cluster: part of what makes addresses differ between clusters. */
  key: string;
  flavor: 'eks' | 'aks';
  region: string;
  /** AKS: the node subnet, where internal load balancers take their frontend IPs. */
  nodeCidr: string;
}

export interface LoadBalancerNetwork {
  addresses: AddressBook;
  hosts: HostsFile;
  /** EKS: the subnets a load balancer has an address in (one per subnet, as an NLB has one per zone). */
  subnets(): string[];
  /** EKS: where a load balancer's network interfaces are kept (Moto's VPC). */
  interfaces?: LoadBalancerInterfaces;
}

interface Service extends KubeObject {
  spec: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** AKS public frontends come from a documentation range: nothing here is routable anyway. */
const AKS_PUBLIC_CIDR = '203.0.113.0/24';
/** Internet-facing EKS load balancers resolve to addresses of another documentation range. */
const AWS_PUBLIC_CIDR = '198.51.100.0/24';

export function loadBalancers(client: AdminClient, cloud: LoadBalancerCloud, network: LoadBalancerNetwork): Controller<Service> {
  const attached = new Set<string>();
  const release = (key: string) => {
    network.addresses.release(`lb/${key}`);
    network.hosts.delete(`${cloud.key}/${key}`);
    if (attached.delete(key)) void network.interfaces?.detach(key);
  };
  return {
    path: '/api/v1/services',
    async reconcile(service) {
      const { name, namespace = '', annotations = {} } = service.metadata;
      const key = `${namespace}/${name}`;
      const current = service.status?.loadBalancer?.ingress?.[0];
      if (service.spec.type !== 'LoadBalancer') return release(key);
      const digest = createHash('sha256').update(`${cloud.key}/${key}`).digest();
      const seed = digest.readUInt32BE(0);
      if (cloud.flavor === 'eks') {
        const { hostname, internal } = eksLoadBalancer(name, namespace, annotations, digest, cloud.region);
        const subnets = internal ? network.subnets() : [AWS_PUBLIC_CIDR];
        const ips = [...new Set(subnets)].map((cidr) => network.addresses.allocate({ cidr, ...CLOUD_SUBNET }, seed, `lb/${key}`));
        network.hosts.set(`${cloud.key}/${key}`, current?.hostname ?? hostname, ips);
        if (internal && network.interfaces && !attached.has(key)) {
          attached.add(key);
          await network.interfaces.attach(key, (current?.hostname ?? hostname).split('.')[0]!, ips);
        }
        if (current) return;
        return void (await patch(client, namespace, name, { hostname }));
      }
      if (current?.ip) return network.addresses.claim(current.ip, `lb/${key}`);
      const internal = annotations['service.beta.kubernetes.io/azure-load-balancer-internal'] === 'true';
      const ip = network.addresses.allocate({ cidr: internal ? cloud.nodeCidr : AKS_PUBLIC_CIDR, ...CLOUD_SUBNET }, seed, `lb/${key}`);
      await patch(client, namespace, name, { ip, ipMode: 'VIP' });
    },
    forget: (service) => release(`${service.metadata.namespace}/${service.metadata.name}`),
  };
}

function patch(client: AdminClient, namespace: string, name: string, ingress: object): Promise<unknown> {
  return client.call('PATCH', `/api/v1/namespaces/${namespace}/services/${name}/status`, { status: { loadBalancer: { ingress: [ingress] } } }, MERGE_PATCH);
}

/**
 * The hostname EKS gives the Service's load balancer. A Network Load Balancer
 * (`aws-load-balancer-type: nlb`, `external` or `nlb-ip`) is `<name>-<16 hex>.elb.<region>.amazonaws.com`,
 * named `k8s-<namespace>-<service>-<10 hex>` by the AWS Load Balancer Controller; a Classic
 * Load Balancer (no type) is `[internal-]<name>-<10 digits>.<region>.elb.amazonaws.com`.
 */
function eksLoadBalancer(name: string, namespace: string, annotations: Record<string, string>, digest: Buffer, region: string): { hostname: string; internal: boolean } {
  const type = annotations['service.beta.kubernetes.io/aws-load-balancer-type'];
  const internal = annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'] === 'internal' || annotations['service.beta.kubernetes.io/aws-load-balancer-internal'] === 'true';
  const hex = digest.toString('hex');
  if (type === 'nlb' || type === 'external' || type === 'nlb-ip') {
    const short = (text: string) => text.replace(/[^a-z0-9]/g, '').slice(0, 8);
    return { hostname: `k8s-${short(namespace)}-${short(name)}-${hex.slice(0, 10)}-${hex.slice(10, 26)}.elb.${region}.amazonaws.com`, internal };
  }
  return { hostname: `${internal ? 'internal-' : ''}${name.slice(0, 32)}-${hex.slice(0, 16)}.elb.${region}.amazonaws.com`, internal };
}
