/**
 * The rules a cell (cluster) must meet before anything starts (docs/domain-rules.md,
 * "Clusters (EKS, AKS)"): names, regions, fields of the right cloud, versions and node
 * pools the clouds accept, and address ranges that overlap nothing else in the mesh.
 */
import { contains, hostAddress, mustParseCidr, parseIpv4, type Cidr } from './cidr.ts';
import {
  AKS_MAX_NODES_PER_POOL, AKS_SYSTEM_POOL_TOO_SMALL, EKS_MAX_NODES_PER_GROUP, kubernetesMinor, SUPPORTED_KUBERNETES_MINORS,
} from './kubernetes-versions.ts';
import type { CellInput, MeshSpec, MeshSpecInput } from './mesh-spec.ts';
import type { RangeChecker, Reporter } from './range-checker.ts';

export interface NamedRange {
  path: string;
  cidr: Cidr | undefined;
  what: string;
}

const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(mustParseCidr);
const AZURE_ONLY_FIELDS = ['podCidr', 'dnsServiceIp', 'subnetCidr'] as const;

/** Checks every cell; returns the ranges that must not overlap the rest of the mesh. */
export function checkCells(input: MeshSpecInput, spec: MeshSpec, vnet: Cidr | undefined, gatewaySubnet: Cidr | undefined, ranges: RangeChecker, report: Reporter): NamedRange[] {
  const cells = input.cells ?? [];
  const meshRanges: NamedRange[] = [];
  const azureSubnets: NamedRange[] = [{ path: '/azure/vnet/gatewaySubnetCidr', cidr: gatewaySubnet, what: 'the GatewaySubnet' }];
  const names = new Map<string, number>();
  cells.forEach((cell, i) => {
    const path = `/cells/${i}`;
    const earlier = names.get(cell.name);
    if (earlier !== undefined) report(`${path}/name`, 'cell.name-duplicate', `cell ${cell.name} is already cell ${earlier}; cluster names must be unique in a mesh`);
    names.set(cell.name, i);
    checkRegion(spec, cell, path, report);
    checkFields(cell, path, report);
    checkVersion(cell, path, report);
    checkNodePool(cell, path, report);
    if (cell.cloud === 'aws') checkEksZones(spec, path, report);

    const service = serviceRange(cell, path, ranges, report);
    meshRanges.push({ path: `${path}/serviceCidr`, cidr: service, what: `the service range of ${cell.name}` });
    if (cell.cloud !== 'azure') return;
    checkDnsServiceIp(cell, service, path, report);
    if (cell.podCidr !== undefined) {
      meshRanges.push({ path: `${path}/podCidr`, cidr: ranges.block(`${path}/podCidr`, cell.podCidr, 8, 24, 'pod ranges are /8 to /24'), what: `the pod range of ${cell.name}` });
    }
    if (cell.subnetCidr !== undefined) {
      const subnet = ranges.block(`${path}/subnetCidr`, cell.subnetCidr, 8, 28, 'AKS subnets are /8 to /28');
      ranges.within(`${path}/subnetCidr`, subnet, vnet, 'the VNet');
      azureSubnets.push({ path: `${path}/subnetCidr`, cidr: subnet, what: `the subnet of ${cell.name}` });
    }
  });
  ranges.disjoint(azureSubnets, false);
  return meshRanges;
}

function checkRegion(spec: MeshSpec, cell: CellInput, path: string, report: Reporter): void {
  const meshRegion = cell.cloud === 'aws' ? spec.aws.region : spec.azure.location;
  if (cell.region !== undefined && cell.region !== meshRegion) {
    const where = cell.cloud === 'aws' ? `the mesh VPC is in ${meshRegion} (aws.region)` : `the mesh VNet is in ${meshRegion} (azure.location)`;
    report(`${path}/region`, 'cell.region', `${cell.region}: the cluster joins the mesh network, and ${where}`);
  }
}

function checkFields(cell: CellInput, path: string, report: Reporter): void {
  if (cell.cloud === 'aws') {
    for (const field of AZURE_ONLY_FIELDS) {
      if (cell[field] !== undefined) report(`${path}/${field}`, 'cell.field-cloud', `${field} is for azure cells only (EKS pods take VPC addresses from the VPC CNI; CoreDNS takes the 10th service address)`);
    }
    if (cell.nodePool.vmSize !== undefined) report(`${path}/nodePool/vmSize`, 'cell.field-cloud', 'vmSize is for azure cells; aws cells give instanceType');
    if (cell.nodePool.instanceType === undefined) report(`${path}/nodePool/instanceType`, 'cell.field-required', 'an aws cell needs nodePool.instanceType, such as m6i.large');
    return;
  }
  if (cell.nodePool.instanceType !== undefined) report(`${path}/nodePool/instanceType`, 'cell.field-cloud', 'instanceType is for aws cells; azure cells give vmSize');
  if (cell.nodePool.vmSize === undefined) report(`${path}/nodePool/vmSize`, 'cell.field-required', 'an azure cell needs nodePool.vmSize, such as Standard_D4s_v5');
  if (cell.podCidr === undefined) report(`${path}/podCidr`, 'cell.field-required', 'an azure cell needs podCidr (Azure CNI overlay)');
  if (cell.subnetCidr === undefined) report(`${path}/subnetCidr`, 'cell.field-required', 'an azure cell needs subnetCidr, its own subnet of the VNet');
}

function checkVersion(cell: CellInput, path: string, report: Reporter): void {
  const supported = SUPPORTED_KUBERNETES_MINORS[cell.cloud];
  const minor = kubernetesMinor(cell.cloud, cell.kubernetesVersion);
  if (minor === undefined || !supported.includes(minor)) {
    const form = cell.cloud === 'aws' ? 'EKS takes a minor version' : 'AKS takes a minor or patch version';
    report(`${path}/kubernetesVersion`, 'cell.kubernetes-version', `${cell.kubernetesVersion} is not supported: ${form} among ${supported.join(', ')}`);
  }
}

function checkNodePool(cell: CellInput, path: string, report: Reporter): void {
  const max = cell.cloud === 'aws' ? EKS_MAX_NODES_PER_GROUP : AKS_MAX_NODES_PER_POOL;
  if (cell.nodePool.count < 1 || cell.nodePool.count > max) {
    report(`${path}/nodePool/count`, 'cell.node-count', `${cell.nodePool.count} nodes: ${cell.cloud === 'aws' ? 'an EKS managed node group' : 'an AKS system pool'} takes 1 to ${max}`);
  }
  const size = cell.nodePool.vmSize;
  if (cell.cloud === 'azure' && size !== undefined && AKS_SYSTEM_POOL_TOO_SMALL.some((s) => s.toLowerCase() === size.toLowerCase())) {
    report(`${path}/nodePool/vmSize`, 'cell.node-size', `${size} is too small for an AKS system pool, which needs at least 2 vCPUs and 4 GiB of memory`);
  }
}

function checkEksZones(spec: MeshSpec, path: string, report: Reporter): void {
  const { vpc } = spec.aws;
  const zones = vpc.mode === 'create' ? new Set(vpc.subnets.map((s) => s.availabilityZone)).size : vpc.subnetIds.length;
  if (zones < 2) report(path, 'cell.eks-zones', 'EKS needs subnets in at least two availability zones; give the VPC two or more subnets');
}

function serviceRange(cell: CellInput, path: string, ranges: RangeChecker, report: Reporter): Cidr | undefined {
  const service = ranges.block(`${path}/serviceCidr`, cell.serviceCidr, 12, 24, 'service ranges are /12 to /24');
  if (service && cell.cloud === 'aws' && !RFC1918.some((r) => contains(r, service))) {
    report(`${path}/serviceCidr`, 'cidr.rfc1918', `${cell.serviceCidr}: EKS service ranges must lie in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`);
  }
  return service;
}

function checkDnsServiceIp(cell: CellInput, service: Cidr | undefined, path: string, report: Reporter): void {
  if (cell.dnsServiceIp === undefined || service === undefined) return;
  const ip = parseIpv4(cell.dnsServiceIp);
  const inside = ip !== undefined && contains(service, { network: ip, prefix: 32, text: cell.dnsServiceIp });
  if (!inside) return report(`${path}/dnsServiceIp`, 'cell.dns-service-ip', `${cell.dnsServiceIp} is not inside the service range ${cell.serviceCidr}`);
  if (cell.dnsServiceIp === hostAddress(service, 0) || cell.dnsServiceIp === hostAddress(service, 1)) {
    report(`${path}/dnsServiceIp`, 'cell.dns-service-ip', `${cell.dnsServiceIp} is reserved: the network address and the first address (the kubernetes service) cannot be the DNS service IP`);
  }
}
