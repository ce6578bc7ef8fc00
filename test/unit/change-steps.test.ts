/**
 * Which nodes a change to a live mesh creates, updates and deletes, in which order
 * (domain/change-steps.ts), and when the mesh's workflow refuses a change (domain/mesh-change.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planChange } from '../../domain/change-plan.ts';
import { changeSteps, dependencyOrder } from '../../domain/change-steps.ts';
import { refuseChange, type MeshActivity } from '../../domain/mesh-change.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import type { ResourceGraph } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

type Raw = any;
const cellsExample = (): Raw => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));
const NORTH = { name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' };

function valid(raw: Raw): MeshSpec {
  const result = validateSpec(raw);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.spec;
}

/** `base` shapes the live mesh's spec (the example by default); `edit` makes the new spec from it. */
function specs(edit: (s: Raw) => void, base: (s: Raw) => void = () => {}): { current: MeshSpec; next: MeshSpec } {
  const [current, next] = [cellsExample(), cellsExample()];
  base(current);
  base(next);
  edit(next);
  return { current: valid(current), next: valid(next) };
}

function steps(edit: (s: Raw) => void, allowReplace = false, base?: (s: Raw) => void) {
  const { current, next } = specs(edit, base);
  const [before, after] = [meshGraph(current, 2), meshGraph(next, 2)];
  return { steps: changeSteps(planChange(current, next, { naming: 2, allowReplace }), before, after), before, after };
}

/** `first` comes before `then` in `order`, both present. */
function assertBefore(order: string[], first: string, then: string): void {
  assert.ok(order.includes(first) && order.includes(then), `${first} and ${then} are both in ${order.join(', ')}`);
  assert.ok(order.indexOf(first) < order.indexOf(then), `${first} before ${then} in ${order.join(', ')}`);
}

/** Every node of `order` after each of its dependencies that `order` also holds (`reverse`: before them). */
function assertRespectsEdges(order: string[], graph: ResourceGraph, reverse = false): void {
  for (const id of order) {
    for (const dep of graph.nodes.find((n) => n.id === id)!.dependsOn.filter((d) => order.includes(d))) {
      if (reverse) assertBefore(order, id, dep);
      else assertBefore(order, dep, id);
    }
  }
}

interface Row {
  what: string;
  edit: (s: Raw) => void;
  base?: (s: Raw) => void;
  allowReplace?: boolean;
  creates: number;
  updates: string[];
  deletes: number;
  /** Replaced resources: taken down from the old graph, made again from the new (the same count, unless deletions built on them go with them). */
  takenDown?: number;
  remade?: number;
  /** [first, then] pairs within creates and deletes, within what is taken down, within what is made again. */
  before?: [string, string][];
  takenDownBefore?: [string, string][];
  remadeBefore?: [string, string][];
}

const EAST_CELL = [
  'aws/eks-access-entry/east', 'aws/eks-cluster/east', 'aws/eks-nodegroup/east', 'istio/east/base', 'istio/east/cacerts', 'istio/east/cross-network-gateway',
  'istio/east/east-west-gateway', 'istio/east/istiod', 'istio/east/namespace', 'istio/east/remote-secret/west', 'istio/east/traffic-policies', 'istio/west/remote-secret/east',
];

const ROWS: Row[] = [
  { what: 'the same spec: nothing', edit: () => {}, creates: 0, updates: [], deletes: 0 },
  { what: 'a rotation interval: no resource (the schedule is brought along by the workflow)', edit: (s) => (s.pki = { rotation: { intervalHours: 24 } }), creates: 0, updates: [], deletes: 0 },
  { what: 'both node counts: updates only, one after the other in the new graph\'s dependency order', edit: (s) => ((s.cells[0].nodePool.count = 3), (s.cells[1].nodePool.count = 3)), creates: 0, updates: ['aws/eks-nodegroup/east', 'azure/aks-cluster/west'], deletes: 0 },
  { what: 'a traffic policy changed: its manifest in each cell updated', edit: (s) => (s.trafficPolicies[0].outlierDetection.consecutive5xxErrors = 3), creates: 0, updates: ['istio/east/traffic-policies', 'istio/west/traffic-policies'], deletes: 0 },
  { what: 'every traffic policy removed: their manifests deleted', edit: (s) => (s.trafficPolicies = []), creates: 0, updates: [], deletes: 2 },
  {
    what: 'an EKS cell added: its cluster before its node group and Istio, its Istio before the remote secrets both ways',
    edit: (s) => s.cells.push(NORTH),
    creates: 16,
    updates: [],
    deletes: 0,
    before: [['aws/iam-role/north/cluster', 'aws/eks-cluster/north'], ['aws/eks-cluster/north', 'aws/eks-nodegroup/north'], ['istio/north/namespace', 'istio/north/cacerts'], ['aws/eks-cluster/north', 'istio/east/remote-secret/north'], ['istio/north/namespace', 'istio/north/remote-secret/west']],
  },
  {
    what: 'the AKS cell removed: remote secrets in the other cell and its Istio go before the cluster, the cluster before its subnet',
    edit: (s) => s.cells.pop(),
    creates: 0,
    updates: [],
    deletes: 11,
    before: [['istio/east/remote-secret/west', 'azure/aks-cluster/west'], ['istio/west/istiod', 'istio/west/namespace'], ['azure/aks-cluster/west', 'azure/aks-subnet/west']],
  },
  {
    what: "an EKS cluster's service range, replacement allowed: the cell's part taken down (remote secrets both ways and Istio before the node group, the node group before the cluster), then made again from the new spec",
    edit: (s) => (s.cells[0].serviceCidr = '172.22.0.0/16'),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: EAST_CELL.length,
    remade: EAST_CELL.length,
    takenDownBefore: [['istio/west/remote-secret/east', 'istio/east/istiod'], ['istio/east/remote-secret/west', 'istio/east/namespace'], ['istio/east/namespace', 'aws/eks-nodegroup/east'], ['aws/eks-nodegroup/east', 'aws/eks-cluster/east']],
    remadeBefore: [['aws/eks-cluster/east', 'aws/eks-nodegroup/east'], ['istio/east/cacerts', 'istio/east/istiod'], ['istio/east/istiod', 'istio/west/remote-secret/east']],
  },
  {
    what: "an AKS pool's VM size, replacement allowed: the AKS cluster and what is built on it made again, its subnet kept",
    edit: (s) => (s.cells[1].nodePool.vmSize = 'Standard_D8s_v5'),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: 10,
    remade: 10,
    takenDownBefore: [['istio/east/remote-secret/west', 'istio/west/istiod'], ['istio/west/namespace', 'azure/aks-cluster/west']],
    remadeBefore: [['azure/aks-cluster/west', 'istio/west/namespace'], ['istio/west/istiod', 'istio/east/remote-secret/west']],
  },
  {
    what: "the Azure gateway's ASN, replacement allowed: the four connections and local gateways go before the VPN connections, those before the customer gateways; made again the other way round; the VPN gateway updated in place",
    edit: (s) => (s.azure.gatewayAsn = 65020),
    allowReplace: true,
    creates: 0,
    updates: ['azure/vpn-gateway'],
    deletes: 0,
    takenDown: 12,
    remade: 12,
    takenDownBefore: [['azure/connection/0', 'azure/local-gateway/0'], ['azure/local-gateway/0', 'aws/vpn-connection/0'], ['azure/connection/3', 'aws/vpn-connection/1'], ['aws/vpn-connection/1', 'aws/customer-gateway/1']],
    remadeBefore: [['aws/customer-gateway/0', 'aws/vpn-connection/0'], ['aws/vpn-connection/0', 'azure/local-gateway/0'], ['azure/local-gateway/2', 'azure/connection/2']],
  },
  {
    what: "the tunnels' inside CIDRs: nothing replaced; the VPN gateway and the VPN connections updated before the local gateways that take their addresses, those before the connections",
    edit: (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.22.0/30', '169.254.22.4/30', '169.254.22.8/30', '169.254.22.12/30'] }),
    creates: 0,
    updates: [
      'azure/vpn-gateway', 'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/local-gateway/0', 'azure/local-gateway/1', 'azure/local-gateway/2', 'azure/local-gateway/3',
      'azure/connection/0', 'azure/connection/1', 'azure/connection/2', 'azure/connection/3',
    ],
    deletes: 0,
  },
  {
    what: "the transit gateway's ASN, replacement allowed: the tunnels (connections, local gateways, VPN connections) and the route go before the attachment, that before the transit gateway; made again the other way round; the customer gateways kept",
    edit: (s) => (s.aws.transitGatewayAsn = 64600),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: 13,
    remade: 13,
    takenDownBefore: [['azure/connection/0', 'azure/local-gateway/0'], ['azure/local-gateway/0', 'aws/vpn-connection/0'], ['aws/vpn-connection/1', 'aws/transit-gateway'], ['aws/route-to-azure', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/transit-gateway']],
    remadeBefore: [['aws/transit-gateway', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/route-to-azure'], ['aws/transit-gateway', 'aws/vpn-connection/0'], ['aws/vpn-connection/1', 'azure/local-gateway/3']],
  },
  {
    what: "the VPC's range, replacement allowed: the AWS cell (remote secrets both ways and Istio first, then its node group and cluster), the route and the attachment go before the subnets, those before the VPC; made again the other way round; the tunnels kept",
    edit: (s) => ((s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: EAST_CELL.length + 5,
    remade: EAST_CELL.length + 5,
    takenDownBefore: [['istio/west/remote-secret/east', 'aws/eks-cluster/east'], ['aws/eks-nodegroup/east', 'aws/eks-cluster/east'], ['aws/eks-cluster/east', 'aws/subnet/0'], ['aws/route-to-azure', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/subnet/1'], ['aws/subnet/0', 'aws/vpc']],
    remadeBefore: [['aws/vpc', 'aws/subnet/0'], ['aws/subnet/1', 'aws/eks-cluster/east'], ['aws/subnet/0', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/route-to-azure'], ['aws/eks-cluster/east', 'istio/east/istiod'], ['istio/east/istiod', 'istio/west/remote-secret/east']],
  },
  {
    what: "the GatewaySubnet's prefix, replacement allowed: the four connections go before the VPN gateway, that before its subnet; made again the other way round; the public IPs and AWS kept",
    edit: (s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27'),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: 6,
    remade: 6,
    takenDownBefore: [['azure/connection/0', 'azure/vpn-gateway'], ['azure/connection/3', 'azure/vpn-gateway'], ['azure/vpn-gateway', 'azure/gateway-subnet']],
    remadeBefore: [['azure/gateway-subnet', 'azure/vpn-gateway'], ['azure/vpn-gateway', 'azure/connection/0'], ['azure/vpn-gateway', 'azure/connection/3']],
  },
  {
    what: "the VNet's range, replacement allowed: only AWS's route to Azure taken down and made again, back to back; the VNet updated in place after it",
    edit: (s) => (s.azure.vnet.cidr = '10.20.0.0/15'),
    allowReplace: true,
    creates: 0,
    updates: ['azure/vnet'],
    deletes: 0,
    takenDown: 1,
    remade: 1,
  },
  {
    what: "a new resource group, replacement allowed: the AKS cell's Istio and the tunnels go before the VPN gateway, the AKS cell and the public IPs, those before the VNet, the group last; the group made first; AWS's network and the EKS cell's Istio kept",
    edit: (s) => (s.azure.resourceGroup = 'cells-rg-2'),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: 29,
    remade: 29,
    takenDownBefore: [
      ['istio/west/istiod', 'azure/aks-cluster/west'], ['azure/aks-cluster/west', 'azure/aks-subnet/west'], ['azure/connection/0', 'azure/vpn-gateway'], ['azure/local-gateway/0', 'aws/vpn-connection/0'],
      ['aws/vpn-connection/0', 'aws/customer-gateway/0'], ['aws/customer-gateway/1', 'azure/public-ip/1'], ['azure/vpn-gateway', 'azure/gateway-subnet'], ['azure/gateway-subnet', 'azure/vnet'],
      ['azure/aks-subnet/west', 'azure/vnet'], ['azure/vnet', 'azure/resource-group'], ['azure/public-ip/0', 'azure/resource-group'],
    ],
    remadeBefore: [
      ['azure/resource-group', 'azure/vnet'], ['azure/resource-group', 'azure/public-ip/0'], ['azure/public-ip/0', 'aws/customer-gateway/0'], ['aws/customer-gateway/0', 'aws/vpn-connection/0'],
      ['aws/vpn-connection/0', 'azure/local-gateway/0'], ['azure/vpn-gateway', 'azure/connection/0'], ['azure/aks-cluster/west', 'istio/west/istiod'], ['istio/west/istiod', 'istio/east/remote-secret/west'],
    ],
  },
  {
    what: "another of the operator's VPCs, replacement allowed: the AWS cell, the route and the attachment let go of the old VPC (its subnets and the VPC itself only then, and never deleted: their handlers keep them) and are made again on the new one",
    base: (s) => (s.aws.vpc = { cidr: '10.10.0.0/16', existingVpcId: 'vpc-0123456789abcdef0', existingSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] }),
    edit: (s) => (s.aws.vpc = { cidr: '10.11.0.0/16', existingVpcId: 'vpc-0fedcba9876543210', existingSubnetIds: ['subnet-0fedcba9876543210', 'subnet-0fedcba9876543211'] }),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 0,
    takenDown: EAST_CELL.length + 5,
    remade: EAST_CELL.length + 5,
    takenDownBefore: [['istio/west/remote-secret/east', 'aws/eks-cluster/east'], ['aws/eks-cluster/east', 'aws/subnet/0'], ['aws/route-to-azure', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/subnet/1'], ['aws/subnet/0', 'aws/vpc']],
    remadeBefore: [['aws/vpc', 'aws/subnet/0'], ['aws/subnet/1', 'aws/eks-cluster/east'], ['aws/subnet/0', 'aws/tgw-attachment'], ['aws/tgw-attachment', 'aws/route-to-azure'], ['istio/east/istiod', 'istio/west/remote-secret/east']],
  },
  {
    what: 'a cell replaced while another is removed: the remote secrets between them go down with the replaced cell, the rest of the removed cell last',
    base: (s) => s.cells.push(NORTH),
    edit: (s) => ((s.cells[0].serviceCidr = '172.22.0.0/16'), s.cells.pop()),
    allowReplace: true,
    creates: 0,
    updates: [],
    deletes: 14,
    takenDown: EAST_CELL.length + 2,
    remade: EAST_CELL.length,
    takenDownBefore: [['istio/east/remote-secret/north', 'istio/east/namespace'], ['istio/north/remote-secret/east', 'istio/east/istiod']],
    before: [['istio/north/istiod', 'istio/north/namespace'], ['istio/north/namespace', 'aws/eks-cluster/north']],
  },
];

test("change steps: the root CA's key type, allowed: no step at all (the root and every cacerts are the root rotation's, after the change)", () => {
  const { steps: s } = steps((raw) => (raw.pki = { ...raw.pki, keyType: 'RSA_4096', intermediateValidityDays: 200 }), true);
  assert.deepEqual(s, { takenDown: [], creates: [], remade: [], updates: [], deletes: [] });
});

test("change steps: the root CA's key type with an EKS cell added: the new cell is made by the change (its cacerts too); the existing cells' cacerts are left to the rotation", () => {
  const { steps: s } = steps((raw) => ((raw.pki = { ...raw.pki, keyType: 'RSA_4096' }), raw.cells.push(NORTH)), true);
  assert.ok(s.creates.includes('istio/north/cacerts') && s.creates.includes('istio/north/istiod'), s.creates.join(', '));
  assert.deepEqual([s.updates, s.takenDown, s.remade], [[], [], []]);
});

for (const row of ROWS) {
  test(`change steps: ${row.what}`, () => {
    const { steps: s, before, after } = steps(row.edit, row.allowReplace, row.base);
    assert.equal(s.creates.length, row.creates, s.creates.join(', '));
    assert.deepEqual(s.updates, row.updates);
    assert.equal(s.deletes.length, row.deletes, s.deletes.join(', '));
    assert.equal(s.takenDown.length, row.takenDown ?? 0, s.takenDown.join(', '));
    assert.equal(s.remade.length, row.remade ?? 0, s.remade.join(', '));
    assertRespectsEdges(s.takenDown, before, true);
    assertRespectsEdges(s.creates, after);
    assertRespectsEdges(s.remade, after);
    assertRespectsEdges(s.updates, after);
    assertRespectsEdges(s.deletes, before, true);
    assert.deepEqual(s.takenDown.filter((id) => s.deletes.includes(id)), [], 'nothing is deleted twice');
    for (const [first, then] of row.before ?? []) assertBefore([...s.creates, ...s.deletes], first, then);
    for (const [first, then] of row.takenDownBefore ?? []) assertBefore(s.takenDown, first, then);
    for (const [first, then] of row.remadeBefore ?? []) assertBefore(s.remade, first, then);
  });
}

test('dependency order: a node after everything it depends on, ties in graph order; a cycle is an error naming its nodes', () => {
  const node = (id: string, dependsOn: string[] = []) => ({ id, kind: 'k', params: {}, dependsOn });
  assert.deepEqual(dependencyOrder({ nodes: [node('c', ['b']), node('a'), node('b', ['a']), node('d')] }), ['a', 'd', 'b', 'c']);
  assert.throws(() => dependencyOrder({ nodes: [node('x', ['y']), node('y', ['x']), node('z')] }), /cycle or an unknown dependency among x, y/);
});

const UP: MeshActivity = { mesh: 'cells', phase: 'Ready', teardownRequested: false, changeRunning: false };
const REFUSALS: { what: string; edit?: (s: Raw) => void; allowReplace?: boolean; mesh?: Partial<MeshActivity>; expect?: { status: number; rules: string[]; paths?: string[] } }[] = [
  { what: 'a node count on a Ready mesh is accepted', edit: (s) => (s.cells[0].nodePool.count = 3) },
  { what: 'a Degraded mesh takes a change too', edit: (s) => (s.cells[0].nodePool.count = 3), mesh: { phase: 'Degraded' } },
  { what: 'another mesh name', edit: (s) => (s.name = 'other'), expect: { status: 400, rules: ['change.same-mesh'] } },
  { what: 'a cluster service range without allowReplace', edit: (s) => (s.cells[0].serviceCidr = '172.22.0.0/16'), expect: { status: 400, rules: ['change.replace-not-allowed'] } },
  { what: "a cluster service range with allowReplace: accepted, the cell's part is made again", edit: (s) => (s.cells[0].serviceCidr = '172.22.0.0/16'), allowReplace: true },
  { what: "an EKS node group's instance type with allowReplace: accepted", edit: (s) => (s.cells[0].nodePool.instanceType = 'm6i.xlarge'), allowReplace: true },
  { what: "an AKS cell's node subnet with allowReplace: accepted (the subnet is the cell's own)", edit: (s) => (s.cells[1].subnetCidr = '10.20.4.0/22'), allowReplace: true },
  { what: "the Azure gateway's ASN with allowReplace: accepted, the tunnels are made again", edit: (s) => (s.azure.gatewayAsn = 65020), allowReplace: true },
  { what: "the Azure gateway's ASN without allowReplace", edit: (s) => (s.azure.gatewayAsn = 65020), expect: { status: 400, rules: ['change.replace-not-allowed', 'change.replace-not-allowed'], paths: ['aws/customer-gateway/0.bgpAsn', 'aws/customer-gateway/1.bgpAsn'] } },
  { what: "the transit gateway's ASN with allowReplace: accepted, the transit gateway and the tunnels on it are made again", edit: (s) => (s.aws.transitGatewayAsn = 64600), allowReplace: true },
  { what: "the transit gateway's ASN without allowReplace: the transit gateway is named, not what is built on it", edit: (s) => (s.aws.transitGatewayAsn = 64600), expect: { status: 400, rules: ['change.replace-not-allowed'], paths: ['aws/transit-gateway.amazonSideAsn'] } },
  {
    what: "the tunnels' inside CIDRs (the VPN gateway's BGP addresses) without allowReplace: accepted, updated in place",
    edit: (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.22.0/30', '169.254.22.4/30', '169.254.22.8/30', '169.254.22.12/30'] }),
  },
  { what: "a VPC CIDR with allowReplace: accepted, the VPC and every AWS cell in it are made again", edit: (s) => ((s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])), allowReplace: true },
  {
    what: 'a VPC CIDR without allowReplace: the VPC and its subnets are named, not the clusters built on them',
    edit: (s) => ((s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])),
    expect: { status: 400, rules: ['change.replace-not-allowed', 'change.replace-not-allowed', 'change.replace-not-allowed'], paths: ['aws/subnet/0.cidr', 'aws/subnet/1.cidr', 'aws/vpc.cidr'] },
  },
  { what: 'the Azure gateway subnet with allowReplace: accepted, a new VPN gateway and its connections are made', edit: (s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27'), allowReplace: true },
  {
    what: 'the Azure gateway subnet without allowReplace: the subnet is named, not the gateway built on it',
    edit: (s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27'),
    expect: { status: 400, rules: ['change.replace-not-allowed'], paths: ['azure/gateway-subnet.cidr'] },
  },
  { what: "the VNet's range with allowReplace: accepted, the VNet updated and the route to it made again", edit: (s) => (s.azure.vnet.cidr = '10.20.0.0/15'), allowReplace: true },
  { what: "the VNet's range without allowReplace: the route to Azure is named", edit: (s) => (s.azure.vnet.cidr = '10.20.0.0/15'), expect: { status: 400, rules: ['change.replace-not-allowed'], paths: ['aws/route-to-azure.destinationCidr'] } },
  { what: 'a new resource group with allowReplace: accepted, everything of the mesh in Azure made again in it', edit: (s) => (s.azure.resourceGroup = 'cells-rg-2'), allowReplace: true },
  { what: 'a new resource group without allowReplace: the group is named', edit: (s) => (s.azure.resourceGroup = 'cells-rg-2'), expect: { status: 400, rules: ['change.replace-not-allowed'], paths: ['azure/resource-group.name'] } },
  { what: "the root CA's key type with allowReplace: accepted, applied by a root rotation once the change stands", edit: (s) => (s.pki = { ...s.pki, keyType: 'RSA_4096' }), allowReplace: true },
  { what: "the root CA's key type without allowReplace: the root is named", edit: (s) => (s.pki = { ...s.pki, keyType: 'RSA_4096' }), expect: { status: 400, rules: ['change.replace-not-allowed'], paths: ['pki/root-ca.keyType'] } },
  {
    what: 'a root by reference instead of the generated one, allowed but not applied (cellbridge never rotates to a root it does not keep)',
    edit: (s) => (s.pki = { ...s.pki, rootSecret: 'team/mesh-root' }),
    allowReplace: true,
    expect: { status: 400, rules: ['change.replace-not-applied'], paths: ['pki/root-ca.secretName,userSupplied'] },
  },
  { what: 'another change running', mesh: { changeRunning: true }, expect: { status: 409, rules: ['change.in-progress'] } },
  { what: 'teardown requested', mesh: { teardownRequested: true }, expect: { status: 409, rules: ['change.teardown-requested'] } },
  { what: 'a mesh still provisioning', mesh: { phase: 'Provisioning' }, expect: { status: 409, rules: ['change.mesh-not-up'] } },
  { what: 'a rotation holding the mesh', mesh: { rotationId: 'rot-1' }, expect: { status: 409, rules: ['change.rotation-running'] } },
];

for (const row of REFUSALS) {
  test(`change refusal: ${row.what}`, () => {
    const { current, next } = specs(row.edit ?? (() => {}));
    const plan = planChange(current, next, { naming: 2, allowReplace: row.allowReplace ?? false });
    const refusal = refuseChange({ spec: next, allowReplace: row.allowReplace ?? false }, plan, { ...UP, ...row.mesh });
    if (!row.expect) return assert.equal(refusal, undefined, JSON.stringify(refusal));
    assert.equal(refusal?.status, row.expect.status, JSON.stringify(refusal));
    assert.deepEqual(refusal?.problems.map((p) => p.rule), row.expect.rules);
    if (row.expect.paths) assert.deepEqual(refusal?.problems.map((p) => p.path), row.expect.paths);
  });
}
