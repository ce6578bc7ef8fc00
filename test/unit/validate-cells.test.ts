import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';
import { rejectionTable } from '../support/rejections.ts';

const cellsExample = () => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));

/** The cells example (one EKS, one AKS cell) with one change applied. */
function variant(change: (spec: any, eks: any, aks: any) => void): unknown {
  const spec = cellsExample();
  change(spec, spec.cells[0], spec.cells[1]);
  return spec;
}

test('the cells example is valid and each cell gets its defaults', () => {
  const result = validateSpec(cellsExample());
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const [eks, aks] = result.spec.cells;
  assert.deepEqual(eks, { cloud: 'aws', name: 'east', region: 'us-east-1', kubernetesVersion: '1.33', network: 'aws-network', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.20.0.0/16' });
  assert.equal(aks?.cloud === 'azure' && aks.dnsServiceIp, '10.96.0.10');
  assert.equal(aks?.region, 'eastus');
});

test('a spec without cells is still valid and has none', () => {
  const spec = cellsExample();
  delete spec.cells;
  const result = validateSpec(spec);
  assert.ok(result.ok);
  assert.deepEqual(result.spec.cells, []);
});

const rejected: [string, (spec: any, eks: any, aks: any) => void, string, string][] = [
  ['two cells with one name', (_s, _e, a) => (a.name = 'east'), '/cells/1/name', 'cell.name-duplicate'],
  ['a cell name IAM and AKS would not take', (_s, e) => (e.name = 'East_1'), '/cells/0/name', 'schema.pattern'],
  ['an unknown cloud', (_s, e) => (e.cloud = 'gcp'), '/cells/0/cloud', 'schema.enum'],
  ['an EKS cell in another region than the VPC', (_s, e) => (e.region = 'us-west-2'), '/cells/0/region', 'cell.region'],
  ['an AKS cell in another location than the VNet', (_s, _e, a) => (a.region = 'westeurope'), '/cells/1/region', 'cell.region'],
  ['an unsupported EKS version', (_s, e) => (e.kubernetesVersion = '1.25'), '/cells/0/kubernetesVersion', 'cell.kubernetes-version'],
  ['a patch version for EKS, which takes minors only', (_s, e) => (e.kubernetesVersion = '1.33.1'), '/cells/0/kubernetesVersion', 'cell.kubernetes-version'],
  ['an unsupported AKS version', (_s, _e, a) => (a.kubernetesVersion = '1.40.1'), '/cells/1/kubernetesVersion', 'cell.kubernetes-version'],
  ['zero nodes', (_s, e) => (e.nodePool.count = 0), '/cells/0/nodePool/count', 'cell.node-count'],
  ['more nodes than an EKS node group takes', (_s, e) => (e.nodePool.count = 451), '/cells/0/nodePool/count', 'cell.node-count'],
  ['more nodes than an AKS pool takes', (_s, _e, a) => (a.nodePool.count = 1001), '/cells/1/nodePool/count', 'cell.node-count'],
  ['a VM size too small for an AKS system pool', (_s, _e, a) => (a.nodePool.vmSize = 'Standard_B1s'), '/cells/1/nodePool/vmSize', 'cell.node-size'],
  ['a malformed EC2 instance type', (_s, e) => (e.nodePool.instanceType = 'large'), '/cells/0/nodePool/instanceType', 'schema.pattern'],
  ['an AWS cell without an instance type', (_s, e) => delete e.nodePool.instanceType, '/cells/0/nodePool/instanceType', 'cell.field-required'],
  ['an AWS cell with a VM size', (_s, e) => (e.nodePool.vmSize = 'Standard_D4s_v5'), '/cells/0/nodePool/vmSize', 'cell.field-cloud'],
  ['an AWS cell with a pod CIDR', (_s, e) => (e.podCidr = '10.50.0.0/16'), '/cells/0/podCidr', 'cell.field-cloud'],
  ['an Azure cell without its subnet', (_s, _e, a) => delete a.subnetCidr, '/cells/1/subnetCidr', 'cell.field-required'],
  ['an Azure cell without a pod CIDR', (_s, _e, a) => delete a.podCidr, '/cells/1/podCidr', 'cell.field-required'],
  ['a service CIDR overlapping the VPC', (_s, e) => (e.serviceCidr = '10.10.0.0/16'), '/cells/0/serviceCidr', 'cidr.overlap'],
  ['a service CIDR overlapping the VNet', (_s, _e, a) => (a.serviceCidr = '10.20.128.0/17'), '/cells/1/serviceCidr', 'cidr.overlap'],
  ['a pod CIDR overlapping another cluster\'s service CIDR', (_s, _e, a) => (a.podCidr = '172.20.0.0/16'), '/cells/1/podCidr', 'cidr.overlap'],
  ['two clusters with one service CIDR', (_s, _e, a) => ((a.serviceCidr = '172.20.0.0/16'), (a.dnsServiceIp = '172.20.0.10')), '/cells/1/serviceCidr', 'cidr.overlap'],
  ['a pod CIDR overlapping its own service CIDR', (_s, _e, a) => (a.podCidr = '10.96.0.0/12'), '/cells/1/podCidr', 'cidr.overlap'],
  ['an EKS service CIDR outside RFC 1918', (_s, e) => (e.serviceCidr = '100.64.0.0/16'), '/cells/0/serviceCidr', 'cidr.rfc1918'],
  ['a service CIDR larger than /12', (_s, e) => (e.serviceCidr = '172.0.0.0/11'), '/cells/0/serviceCidr', 'cidr.size'],
  ['a DNS service IP outside the service CIDR', (_s, _e, a) => (a.dnsServiceIp = '10.97.0.10'), '/cells/1/dnsServiceIp', 'cell.dns-service-ip'],
  ['the kubernetes service address as DNS service IP', (_s, _e, a) => (a.dnsServiceIp = '10.96.0.1'), '/cells/1/dnsServiceIp', 'cell.dns-service-ip'],
  ['an AKS subnet outside the VNet', (_s, _e, a) => (a.subnetCidr = '10.30.0.0/22'), '/cells/1/subnetCidr', 'cidr.outside-parent'],
  ['an AKS subnet overlapping the GatewaySubnet', (_s, _e, a) => (a.subnetCidr = '10.20.255.0/24'), '/cells/1/subnetCidr', 'cidr.overlap'],
  ['an EKS cell in a VPC with one zone', (s) => (s.aws.vpc.subnets = [{ cidr: '10.10.0.0/24' }]), '/cells/0', 'cell.eks-zones'],
];

rejectionTable(rejected.map(([what, change, path, rule]) => [what, () => variant(change), path, rule]));
