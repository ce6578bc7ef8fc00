// The cloud's load-balancer controller: a Service of type LoadBalancer gets an address in
// its status, as EKS (an ELB hostname) or AKS (a frontend IP) would give it. Addresses
// are derived from the cluster and the Service's namespace and name, so the same Service
// gets the same address every run. Only the status subresource is written.
import { createHash } from 'node:crypto';
import { MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

export interface LoadBalancerCloud {
  /** The pool's key of the cluster: part of what makes addresses differ between clusters. */
  key: string;
  flavor: 'eks' | 'aks';
  region: string;
  /** AKS: the node subnet, where internal load balancers take their frontend IPs. */
  nodeCidr: string;
}

interface Service extends KubeObject {
  spec: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** AKS public frontends come from a documentation range: nothing here is routable anyway. */
const AKS_PUBLIC_CIDR = '203.0.113.0/24';

export function loadBalancers(client: AdminClient, cloud: LoadBalancerCloud): Controller<Service> {
  // AKS frontend IPs in use, so two Services never share one.
  const taken = new Map<string, string>();
  const release = (key: string) => [...taken].filter(([, owner]) => owner === key).forEach(([ip]) => taken.delete(ip));
  return {
    path: '/api/v1/services',
    async reconcile(service) {
      const { name, namespace = '', annotations = {} } = service.metadata;
      const key = `${namespace}/${name}`;
      const current = service.status?.loadBalancer?.ingress?.[0];
      if (service.spec.type !== 'LoadBalancer') return release(key);
      if (current?.ip) taken.set(current.ip, key);
      if (current) return;
      const digest = createHash('sha256').update(`${cloud.key}/${key}`).digest();
      let ingress: { ip: string; ipMode: 'VIP' } | { hostname: string };
      if (cloud.flavor === 'eks') {
        const internal = annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'] === 'internal' || annotations['service.beta.kubernetes.io/aws-load-balancer-internal'] === 'true';
        ingress = { hostname: `${internal ? 'internal-' : ''}${name.slice(0, 32)}-${digest.toString('hex').slice(0, 16)}.elb.${cloud.region}.amazonaws.com` };
      } else {
        const internal = annotations['service.beta.kubernetes.io/azure-load-balancer-internal'] === 'true';
        const ip = freeAddress(internal ? cloud.nodeCidr : AKS_PUBLIC_CIDR, digest.readUInt32BE(0), taken);
        taken.set(ip, key);
        ingress = { ip, ipMode: 'VIP' };
      }
      await client.call('PATCH', `/api/v1/namespaces/${namespace}/services/${name}/status`, { status: { loadBalancer: { ingress: [ingress] } } }, MERGE_PATCH);
    },
    forget: (service) => release(`${service.metadata.namespace}/${service.metadata.name}`),
  };
}

/**
 * The address at `seed` among the usable ones of `cidr` (Azure keeps the first four and the
 * last of every subnet), or the next free one after it.
 */
function freeAddress(cidr: string, seed: number, taken: Map<string, string>): string {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = (base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) & ~(size - 1)) >>> 0;
  const usable = size - 5;
  if (usable <= 0) throw new Error(`subnet ${cidr} has no usable address`);
  for (let i = 0; i < usable; i++) {
    const n = first + 4 + ((seed + i) % usable);
    const ip = [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
    if (!taken.has(ip)) return ip;
  }
  throw new Error(`subnet ${cidr} has no free address left`);
}
