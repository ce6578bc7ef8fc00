/**
 * A load balancer's address as the IPv4 addresses a peer would connect to: an IP is
 * itself; a hostname (an EKS load balancer's) is resolved through DNS, as the other
 * cloud's workloads and istiod would resolve it. What it resolved to, or why it did not,
 * is a fact for verification, not an error of the inspection.
 */
import { promises as dns } from 'node:dns';
import { parseIpv4 } from '../../domain/cidr.ts';
import type { ClusterFacts } from '../../domain/verification.ts';

export type ResolveHostname = (hostname: string) => Promise<string[]>;

const RESOLVE_TIMEOUT_MS = 2_000;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/**
 * `servers` (`host` or `host:port`) asks those name servers directly; without them, the
 * system's resolver (getaddrinfo) answers, as for any other name the worker looks up.
 */
export function hostnameResolver(servers: string[] = []): ResolveHostname {
  if (servers.length === 0) return async (hostname) => (await dns.lookup(hostname, { all: true, family: 4 })).map((a) => a.address);
  const resolver = new dns.Resolver({ timeout: RESOLVE_TIMEOUT_MS, tries: 2 });
  resolver.setServers(servers);
  return (hostname) => resolver.resolve4(hostname);
}

export async function gatewayIps(address: string | undefined, resolve: ResolveHostname): Promise<Pick<ClusterFacts, 'eastWestIps' | 'eastWestUnresolved'>> {
  if (!address) return {};
  if (parseIpv4(address) !== undefined) return { eastWestIps: [address] };
  if (!DNS_NAME.test(address)) return { eastWestUnresolved: 'neither an IPv4 address nor a DNS name' };
  try {
    const ips = [...new Set((await resolve(address)).filter((ip) => parseIpv4(ip) !== undefined))].sort();
    return ips.length > 0 ? { eastWestIps: ips } : { eastWestUnresolved: 'no A record' };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { eastWestUnresolved: `DNS: ${e.code ?? (e.message ?? 'failed').slice(0, 200)}` };
  }
}
