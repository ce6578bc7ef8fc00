// A managed cluster's networkProfile: AKS's defaults and its address-range rules against
// the VNet its nodes live in.
import { badRequest, invalidParameter } from '../errors.js';
import { obj, str, type Json } from '../json.js';
import { formatIp, overlaps, parseCidr, parseIp, size, type Cidr } from '../ipv4.js';
import type { Resource, Store } from '../store.js';
import { SUBNET_TYPE, subnetPrefix, vnetPrefixes } from './subnet.js';

const PLUGINS = ['azure', 'kubenet', 'none'];
/** AKS's defaults when networkProfile leaves them out. */
const DEFAULT_SERVICE_CIDR = '10.0.0.0/16';
const DEFAULT_POD_CIDR = '10.244.0.0/16';
/** AKS puts cluster DNS on the tenth address of the service range by default. */
const DEFAULT_DNS_HOST = 10;

/** Validates the profile against the nodes' VNet (if they bring one) and fills AKS's defaults. */
export function checkNetworkProfile(store: Store, value: unknown, vnet: Resource | undefined): Json {
  const n = obj(value) ?? {};
  const plugin = str(n.networkPlugin) ?? 'kubenet';
  if (!PLUGINS.includes(plugin)) {
    throw invalidParameter('networkProfile.networkPlugin', `network plugin must be one of ${PLUGINS.join(', ')}`);
  }
  const mode = str(n.networkPluginMode);
  if (mode !== undefined && (mode !== 'overlay' || plugin !== 'azure')) {
    throw invalidParameter('networkProfile.networkPluginMode', "the only mode is 'overlay', and only with network plugin azure");
  }
  // Only kubenet and overlay give pods addresses outside the VNet.
  const podsOffVnet = plugin === 'kubenet' || mode === 'overlay';
  if (n.podCidr !== undefined && !podsOffVnet) {
    throw invalidParameter('networkProfile.podCidr', 'podCidr can only be set with network plugin kubenet or network plugin mode overlay');
  }

  const serviceText = str(n.serviceCidr) ?? DEFAULT_SERVICE_CIDR;
  const service = cidr(serviceText, 'networkProfile.serviceCidr');
  const dnsServiceIP = checkDnsServiceIp(n.dnsServiceIP, service, serviceText);
  const podText = podsOffVnet ? str(n.podCidr) ?? DEFAULT_POD_CIDR : undefined;
  const pod = podText === undefined ? undefined : cidr(podText, 'networkProfile.podCidr');
  if (pod && overlaps(pod, service)) {
    throw badRequest('PodCidrOverlapServiceCidr', `The pod CIDR ${podText} overlaps with the service CIDR ${serviceText}.`);
  }
  if (vnet) {
    checkAgainstVnet(store, vnet, service, serviceText, 'serviceCidr');
    if (pod) checkAgainstVnet(store, vnet, pod, podText!, 'podCidr');
  }

  return {
    ...n,
    networkPlugin: plugin,
    ...(mode ? { networkPluginMode: mode } : {}),
    ...(podText ? { podCidr: podText, podCidrs: [podText] } : {}),
    serviceCidr: serviceText,
    serviceCidrs: [serviceText],
    dnsServiceIP,
    outboundType: str(n.outboundType) ?? 'loadBalancer',
    loadBalancerSku: str(n.loadBalancerSku) ?? 'standard',
    ipFamilies: ['IPv4'],
  };
}

function cidr(text: string, parameter: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw badRequest('CidrStringParseError', `The value of parameter ${parameter} (${text}) is not a valid CIDR.`);
  return parsed;
}

function checkDnsServiceIp(value: unknown, service: Cidr, serviceText: string): string {
  if (value === undefined) return formatIp(service.base + DEFAULT_DNS_HOST);
  const ip = typeof value === 'string' ? parseIp(value) : undefined;
  if (ip === undefined) throw badRequest('DnsServiceIpParseError', `The DNS service IP ${JSON.stringify(value)} is not a valid IP address.`);
  if (ip < service.base || ip >= service.base + size(service)) {
    throw badRequest('DnsServiceIpOutOfServiceCidr', `The DNS service IP ${value} is not within the service CIDR ${serviceText}.`);
  }
  if (ip === service.base) {
    throw invalidParameter('networkProfile.dnsServiceIP', `${value} is the network address of the service CIDR ${serviceText}`);
  }
  // The first address of the service range is the API server's `kubernetes` service.
  if (ip === service.base + 1) {
    throw badRequest('DnsServiceIpConflicting', `The DNS service IP ${value} conflicts with the API server's service IP, the first address of ${serviceText}.`);
  }
  if (ip === service.base + size(service) - 1) {
    throw badRequest('DnsBroadcastAddressConflicting', `The DNS service IP ${value} is the broadcast address of the service CIDR ${serviceText}.`);
  }
  return value as string;
}

/** Cluster-internal ranges must collide with neither the VNet's subnets nor its address space. */
function checkAgainstVnet(store: Store, vnet: Resource, range: Cidr, text: string, field: 'serviceCidr' | 'podCidr'): void {
  for (const subnet of store.children(vnet.id, SUBNET_TYPE)) {
    const prefix = subnetPrefix(subnet.properties);
    const other = prefix ? parseCidr(prefix) : undefined;
    if (other && overlaps(range, other)) {
      throw field === 'serviceCidr'
        ? badRequest('ServiceCidrOverlapExistingSubnetsCidr', `The specified service CIDR ${text} is conflicted with an existing subnet CIDR ${prefix}`)
        : badRequest('PodCidrOverlapExistingSubnetsCidr', `The specified pod CIDR ${text} is conflicted with an existing subnet CIDR ${prefix}`);
    }
  }
  for (const prefix of vnetPrefixes(vnet)) {
    const space = parseCidr(prefix);
    if (space && overlaps(range, space)) {
      throw badRequest('NetworkProfileCIDROverlapVNET', `NetworkProfile CIDR ${text} overlaps with reserved VNET CIDR ${prefix}`);
    }
  }
}
