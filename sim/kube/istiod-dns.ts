// The name server the pool's istiods use (sim/README.md, "Real east-west gateways"):
// istiod resolves a peer's east-west gateway hostname (an EKS load balancer's DNS name)
// with its own DNS client, which asks the servers in /etc/resolv.conf on port 53 and never
// reads /etc/hosts. So the pool answers the names of its hosts file (sim/dns/hosts-dns.ts)
// on port 53 of a loopback address of its own (127.53.x.y, from the pool's directory, so
// pools of several stacks on one machine do not collide), and each istiod gets a
// resolv.conf naming it (istiod-pod.ts).
import { createHash } from 'node:crypto';
import { startHostsDns, type HostsDns } from '../dns/hosts-dns.ts';

const DNS_PORT = 53;

export interface IstiodDns extends HostsDns {
  /** The address a resolv.conf names. */
  nameserver: string;
}

export async function startIstiodDns(hostsPath: string, poolDir: string): Promise<IstiodDns> {
  const digest = createHash('sha256').update(poolDir).digest();
  const nameserver = `127.53.${digest[0]}.${1 + (digest[1]! % 254)}`;
  return { ...(await startHostsDns(hostsPath, DNS_PORT, nameserver)), nameserver };
}
