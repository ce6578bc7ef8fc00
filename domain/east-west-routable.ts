/**
 * An east-west gateway is only useful to the other cloud if that cloud can route to it
 * over the backbone: each of its addresses must lie inside a prefix the other cloud's
 * edge learned over BGP (Azure's VPN gateway from AWS; the Transit Gateway's route table
 * from Azure, by propagation from the VPN attachments). An address outside them (a public
 * frontend, a subnet outside the VPC or VNet) leaves cross-network traffic with nowhere to go.
 */
import { contains, parseCidr, parseIpv4 } from './cidr.ts';

/** What each cloud's edge of the backbone learned from the other over BGP. */
export interface LearnedRoutes {
  /** Prefixes Azure's VPN gateway learned from AWS (origin EBgp): what Azure can reach in AWS. */
  azureFromAws: string[];
  /** Prefixes the Transit Gateway route table learned from the VPN attachments: what AWS can reach in Azure. */
  awsFromAzure: string[];
}

/** A gateway's address as inspected: `ips` are the address itself, or what its hostname resolved to. */
export interface GatewayAddress {
  address?: string;
  ips?: string[];
  unresolved?: string;
}

export interface RoutableVerdict {
  pass: boolean;
  evidence: string;
}

/** `cloud` is the gateway's own cloud: the other one must have learned a prefix covering it. */
export function eastWestRoutable(cloud: 'aws' | 'azure', gateway: GatewayAddress, routes: LearnedRoutes | { error: string }): RoutableVerdict {
  if ('error' in routes) return { pass: false, evidence: `what the other cloud learned over BGP could not be read: ${routes.error}` };
  const learned = cloud === 'aws' ? routes.azureFromAws : routes.awsFromAzure;
  const learner = cloud === 'aws' ? "Azure's VPN gateway learned from AWS" : 'the Transit Gateway learned from Azure';
  const learnedText = learned.length > 0 ? `${learner} over BGP: ${learned.join(', ')}` : `${learner} nothing over BGP`;
  if (!gateway.address) return { pass: false, evidence: `istio-eastwestgateway has no address; ${learnedText}` };
  if (gateway.unresolved !== undefined) return { pass: false, evidence: `istio-eastwestgateway at ${gateway.address} has no IPv4 address (${gateway.unresolved}); ${learnedText}` };
  const ips = gateway.ips ?? [];
  if (ips.length === 0) return { pass: false, evidence: `istio-eastwestgateway at ${gateway.address} has no IPv4 address; ${learnedText}` };
  const placed = ips.map((ip) => ({ ip, prefix: coveringPrefix(ip, learned) }));
  const resolved = ips.length === 1 && ips[0] === gateway.address ? '' : ` (resolves to ${ips.join(', ')})`;
  const each = placed.map((p) => (p.prefix ? `${p.ip} inside ${p.prefix}` : `${p.ip} outside every learned prefix`)).join(', ');
  return { pass: placed.every((p) => p.prefix !== undefined), evidence: `istio-eastwestgateway at ${gateway.address}${resolved}: ${each}; ${learnedText}` };
}

/** The first learned prefix holding `ip`; prefixes that are not IPv4 CIDRs hold nothing. */
function coveringPrefix(ip: string, learned: string[]): string | undefined {
  const address = parseIpv4(ip);
  if (address === undefined) return undefined;
  return learned.find((text) => {
    const cidr = parseCidr(text);
    return typeof cidr !== 'string' && contains(cidr, { text: ip, network: address, prefix: 32 });
  });
}
