/** The change plan from two specs alone (domain/change-plan.ts): one row per kind of change a user makes to a live mesh. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RESOURCE_KINDS } from '../../domain/activity-names.ts';
import { planChange, remakesTunnels, type ChangePlan } from '../../domain/change-plan.ts';
import { changeRule } from '../../domain/change-rules.ts';
import { cloudLatency } from '../../domain/cloud-latency.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

/** A spec as the user sends it: JSON edited freely, then validated. */
type Raw = any;
const cellsExample = (): Raw => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));

function valid(raw: Raw): MeshSpec {
  const result = validateSpec(raw);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.spec;
}

/** `base` shapes the live mesh's spec (the example by default); `edit` makes the new spec from it. */
function plan(edit: (spec: Raw) => void, allowReplace = false, base: (spec: Raw) => void = () => {}): ChangePlan {
  const [current, next] = [cellsExample(), cellsExample()];
  base(current);
  base(next);
  edit(next);
  return planChange(valid(current), valid(next), { naming: 2, allowReplace });
}

const ids = (p: ChangePlan, action: string) => p.changes.filter((c) => c.action === action).map((c) => c.id);

const NEW_INSIDE_CIDRS = ['169.254.22.0/30', '169.254.22.4/30', '169.254.22.8/30', '169.254.22.12/30'];

interface Row {
  what: string;
  edit: (spec: Raw) => void;
  base?: (spec: Raw) => void;
  /** Resource IDs per action (unchanged left out). */
  expect: { create?: string[]; update?: string[]; replace?: string[]; delete?: string[] };
  seconds: number;
  interrupts: boolean;
  refused?: { rule: string; path: string }[];
}

const ROWS: Row[] = [
  { what: 'the same spec', edit: () => {}, expect: {}, seconds: 0, interrupts: false },
  { what: 'a new rotation interval (no resource: the schedule)', edit: (s) => (s.pki = { rotation: { intervalHours: 24 } }), expect: {}, seconds: 0, interrupts: false },
  { what: 'an EKS node count', edit: (s) => (s.cells[0].nodePool.count = 3), expect: { update: ['aws/eks-nodegroup/east'] }, seconds: 180, interrupts: false },
  { what: 'an AKS node count', edit: (s) => (s.cells[1].nodePool.count = 5), expect: { update: ['azure/aks-cluster/west'] }, seconds: 600, interrupts: false },
  { what: 'an EKS Kubernetes upgrade by one minor', edit: (s) => (s.cells[0].kubernetesVersion = '1.34'), expect: { update: ['aws/eks-cluster/east'] }, seconds: 1800, interrupts: false },
  {
    what: 'a traffic policy changed',
    edit: (s) => (s.trafficPolicies[0].outlierDetection.consecutive5xxErrors = 3),
    expect: { update: ['istio/east/traffic-policies', 'istio/west/traffic-policies'] },
    seconds: 0,
    interrupts: false,
  },
  {
    what: 'an EKS cell added',
    edit: (s) => s.cells.push({ name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' }),
    expect: {
      create: [
        'aws/eks-access-entry/north', 'aws/eks-cluster/north', 'aws/eks-nodegroup/north', 'aws/iam-role/north/cluster', 'aws/iam-role/north/node',
        'istio/east/remote-secret/north', 'istio/north/base', 'istio/north/cacerts', 'istio/north/cross-network-gateway', 'istio/north/east-west-gateway',
        'istio/north/istiod', 'istio/north/namespace', 'istio/north/remote-secret/east', 'istio/north/remote-secret/west', 'istio/north/traffic-policies',
        'istio/west/remote-secret/north',
      ],
    },
    seconds: 600 + 180,
    interrupts: false,
  },
  {
    what: 'the AKS cell removed',
    edit: (s) => s.cells.pop(),
    expect: {
      delete: [
        'azure/aks-cluster/west', 'azure/aks-subnet/west', 'istio/east/remote-secret/west', 'istio/west/base', 'istio/west/cacerts', 'istio/west/cross-network-gateway',
        'istio/west/east-west-gateway', 'istio/west/istiod', 'istio/west/namespace', 'istio/west/remote-secret/east', 'istio/west/traffic-policies',
      ],
    },
    seconds: 300 + 10,
    interrupts: true,
  },
  {
    what: "an AKS system pool's VM size, without allowing replacement",
    edit: (s) => (s.cells[1].nodePool.vmSize = 'Standard_D8s_v5'),
    expect: {
      replace: [
        'azure/aks-cluster/west', 'istio/east/remote-secret/west', 'istio/west/base', 'istio/west/cacerts', 'istio/west/cross-network-gateway', 'istio/west/east-west-gateway',
        'istio/west/istiod', 'istio/west/namespace', 'istio/west/remote-secret/east', 'istio/west/traffic-policies',
      ],
    },
    seconds: 300 + 420,
    interrupts: true,
    refused: [{ rule: 'change.replace-not-allowed', path: 'azure/aks-cluster/west.vmSize' }],
  },
  {
    what: "an EKS cluster's service range",
    edit: (s) => (s.cells[0].serviceCidr = '172.22.0.0/16'),
    expect: {
      replace: [
        'aws/eks-access-entry/east', 'aws/eks-cluster/east', 'aws/eks-nodegroup/east', 'istio/east/base', 'istio/east/cacerts', 'istio/east/cross-network-gateway',
        'istio/east/east-west-gateway', 'istio/east/istiod', 'istio/east/namespace', 'istio/east/remote-secret/west', 'istio/east/traffic-policies', 'istio/west/remote-secret/east',
      ],
    },
    seconds: 900 + 300,
    interrupts: true,
    refused: [{ rule: 'change.replace-not-allowed', path: 'aws/eks-cluster/east.serviceCidr' }],
  },
  {
    what: "the Azure gateway's ASN: customer gateways are made again, the gateway is updated",
    edit: (s) => (s.azure.gatewayAsn = 65020),
    expect: {
      update: ['azure/vpn-gateway'],
      replace: [
        'aws/customer-gateway/0', 'aws/customer-gateway/1', 'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/connection/0', 'azure/connection/1', 'azure/connection/2',
        'azure/connection/3', 'azure/local-gateway/0', 'azure/local-gateway/1', 'azure/local-gateway/2', 'azure/local-gateway/3',
      ],
    },
    seconds: 1800 + 150,
    interrupts: true,
    refused: [
      { rule: 'change.replace-not-allowed', path: 'aws/customer-gateway/0.bgpAsn' },
      { rule: 'change.replace-not-allowed', path: 'aws/customer-gateway/1.bgpAsn' },
    ],
  },
  {
    what: "the tunnels' inside CIDRs: the VPN gateway's BGP addresses, the VPN connections' tunnels, the local gateways and connections updated in place, nothing replaced or refused",
    edit: (s) => (s.backbone = { tunnelInsideCidrs: NEW_INSIDE_CIDRS }),
    expect: {
      update: [
        'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/connection/0', 'azure/connection/1', 'azure/connection/2', 'azure/connection/3',
        'azure/local-gateway/0', 'azure/local-gateway/1', 'azure/local-gateway/2', 'azure/local-gateway/3', 'azure/vpn-gateway',
      ],
    },
    // The gateway's update, then a connection's: longer than a VPN connection's, its local gateway's and connection's.
    seconds: cloudLatency('azure.vpnGateway').update + cloudLatency('azure.connection').update,
    interrupts: true,
  },
  {
    what: "the transit gateway's ASN: the transit gateway, its attachment and route and the tunnels on it are made again; the customer gateways stay",
    edit: (s) => (s.aws.transitGatewayAsn = 64600),
    expect: {
      replace: [
        'aws/route-to-azure', 'aws/tgw-attachment', 'aws/transit-gateway', 'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/connection/0', 'azure/connection/1',
        'azure/connection/2', 'azure/connection/3', 'azure/local-gateway/0', 'azure/local-gateway/1', 'azure/local-gateway/2', 'azure/local-gateway/3',
      ],
    },
    seconds: 300 + 420 + 60 + 150,
    interrupts: true,
    refused: [{ rule: 'change.replace-not-allowed', path: 'aws/transit-gateway.amazonSideAsn' }],
  },
  {
    what: "the VPC's range and its subnets': the VPC, subnets, attachment and route, and every AWS cell built in them, are made again; the Azure side stays",
    edit: (s) => ((s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])),
    expect: {
      replace: [
        'aws/route-to-azure', 'aws/subnet/0', 'aws/subnet/1', 'aws/tgw-attachment', 'aws/vpc',
        'aws/eks-access-entry/east', 'aws/eks-cluster/east', 'aws/eks-nodegroup/east', 'istio/east/base', 'istio/east/cacerts', 'istio/east/cross-network-gateway',
        'istio/east/east-west-gateway', 'istio/east/istiod', 'istio/east/namespace', 'istio/east/remote-secret/west', 'istio/east/traffic-policies', 'istio/west/remote-secret/east',
      ].sort(),
    },
    seconds: 900 + 300,
    interrupts: true,
    refused: [
      { rule: 'change.replace-not-allowed', path: 'aws/subnet/0.cidr' },
      { rule: 'change.replace-not-allowed', path: 'aws/subnet/1.cidr' },
      { rule: 'change.replace-not-allowed', path: 'aws/vpc.cidr' },
    ],
  },
  {
    what: "the GatewaySubnet's prefix: the subnet, the VPN gateway in it and its four connections are made again; the public IPs and everything in AWS stay",
    edit: (s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27'),
    expect: { replace: ['azure/connection/0', 'azure/connection/1', 'azure/connection/2', 'azure/connection/3', 'azure/gateway-subnet', 'azure/vpn-gateway'] },
    // The subnet deleted and made again, then the gateway (20 minutes to delete, 45 to make), then a connection.
    seconds: 10 + 10 + 1200 + 2700 + 60 + 90,
    interrupts: true,
    refused: [{ rule: 'change.replace-not-allowed', path: 'azure/gateway-subnet.cidr' }],
  },
  {
    what: "the VNet's range, its subnets still in it: the VNet updated in place, AWS's route to Azure made again for the new destination",
    edit: (s) => (s.azure.vnet.cidr = '10.20.0.0/15'),
    expect: { update: ['azure/vnet'], replace: ['aws/route-to-azure'] },
    seconds: cloudLatency('azure.virtualNetwork').update,
    interrupts: true,
    refused: [{ rule: 'change.replace-not-allowed', path: 'aws/route-to-azure.destinationCidr' }],
  },
  {
    what: 'a Kubernetes version two minors ahead',
    base: (s) => (s.cells[1].kubernetesVersion = '1.32'),
    edit: (s) => (s.cells[1].kubernetesVersion = '1.34'),
    expect: { update: ['azure/aks-cluster/west'] },
    seconds: 600,
    interrupts: false,
    refused: [{ rule: 'change.kubernetes-minor-skipped', path: 'azure/aks-cluster/west.kubernetesVersion' }],
  },
  {
    what: 'a Kubernetes downgrade',
    edit: (s) => (s.cells[0].kubernetesVersion = '1.32'),
    expect: { update: ['aws/eks-cluster/east'] },
    seconds: 1800,
    interrupts: false,
    refused: [{ rule: 'change.kubernetes-downgrade', path: 'aws/eks-cluster/east.kubernetesVersion' }],
  },
];

for (const row of ROWS) {
  test(`plan for ${row.what}`, () => {
    const p = plan(row.edit, false, row.base);
    for (const action of ['create', 'update', 'replace', 'delete'] as const) assert.deepEqual(ids(p, action), row.expect[action] ?? [], action);
    assert.equal(p.expectedSeconds, row.seconds);
    assert.equal(p.interruptsTraffic, row.interrupts);
    assert.deepEqual(p.refused.map(({ rule, path }) => ({ rule, path })), row.refused ?? []);
    assert.equal(p.summary.unchanged + p.summary.create + p.summary.update + p.summary.replace + p.summary.delete, p.changes.length);
  });
}

test('a refused replacement names the resource, the field, both values, the cloud\'s rule and how to accept it', () => {
  const [problem] = plan((s) => (s.cells[1].nodePool.vmSize = 'Standard_D8s_v5')).refused;
  assert.equal(
    problem?.message,
    'azure/aks-cluster/west (azure.aksCluster) cannot change in place and would be deleted and made again: vmSize "Standard_D4s_v5" → "Standard_D8s_v5" ' +
      "(the system node pool's VM size is fixed), and 9 resource(s) built on it with it. That interrupts every workload of the cell, and its part of the mesh. " +
      'Send the change with ?allowReplace=true to accept that, or keep vmSize as it is',
  );
});

test("allowing replacement plans the same changes; a cell's replacement is refused no more", () => {
  const edit = (s: Raw) => (s.cells[0].serviceCidr = '172.22.0.0/16');
  const [refused, allowed] = [plan(edit), plan(edit, true)];
  assert.deepEqual(allowed.changes, refused.changes);
  assert.deepEqual(allowed.refused, []);
  const cluster = allowed.changes.find((c) => c.id === 'aws/eks-cluster/east')!;
  assert.deepEqual([cluster.action, cluster.fields, cluster.expectedSeconds, cluster.interrupts], ['replace', [{ field: 'serviceCidr', from: '"172.20.0.0/16"', to: '"172.22.0.0/16"' }], 900, 'every workload of the cell, and its part of the mesh']);
  assert.deepEqual(allowed.changes.find((c) => c.id === 'istio/west/remote-secret/east')?.action, 'replace', "the other cell's remote secret for it is made again");
  assert.equal(allowed.interruptsTraffic, true);
});

/** With replacement allowed, a replacement a live mesh applies: nothing refused, and the plan says traffic is interrupted. */
function applied(edit: (spec: Raw) => void): ChangePlan {
  const allowed = plan(edit, true);
  assert.deepEqual(allowed.refused, []);
  assert.equal(allowed.interruptsTraffic, true);
  return allowed;
}

/** One planned change as these tests read it: action, what it is made again with, `field from → to` per field, what it interrupts. */
function shown(p: ChangePlan, id: string): [string, string | undefined, string[], string | undefined] {
  const c = p.changes.find((x) => x.id === id)!;
  return [c.action, c.replacedWith, c.fields.map((f) => `${f.field} ${f.from} → ${f.to}`), c.interrupts];
}

test("an allowed replacement of the Azure gateway's ASN is applied: the tunnels are made again, nothing refused, and the plan says the tunnels go down", () => {
  const allowed = applied((s) => (s.azure.gatewayAsn = 65020));
  assert.deepEqual(shown(allowed, 'aws/customer-gateway/0'), ['replace', undefined, ['bgpAsn 65010 → 65020'], 'cross-cloud traffic over the tunnels it carries']);
  assert.deepEqual(shown(allowed, 'azure/connection/3'), ['replace', 'azure/local-gateway/3', [], 'its tunnel']);
  assert.deepEqual(shown(allowed, 'azure/vpn-gateway'), ['update', undefined, ['asn 65010 → 65020'], 'BGP on all four tunnels while the gateway is updated']);
});

test("new tunnel inside CIDRs are applied in place without allowReplace: each update names the fields and both values, and says what it interrupts", () => {
  const p = plan((s) => (s.backbone = { tunnelInsideCidrs: NEW_INSIDE_CIDRS }));
  assert.deepEqual(shown(p, 'azure/vpn-gateway'), [
    'update', undefined,
    ['instanceBgpAddresses.0.0 "169.254.21.2" → "169.254.22.2"', 'instanceBgpAddresses.0.1 "169.254.22.2" → "169.254.22.6"', 'instanceBgpAddresses.1.0 "169.254.21.6" → "169.254.22.10"', 'instanceBgpAddresses.1.1 "169.254.22.6" → "169.254.22.14"'],
    'BGP on all four tunnels while the gateway is updated',
  ]);
  const vpn = shown(p, 'aws/vpn-connection/1');
  assert.deepEqual([vpn[0], vpn[3]], ['update', 'each tunnel while its options are modified, one at a time']);
  assert.ok(vpn[2].includes('tunnels.0.insideCidr "169.254.21.4/30" → "169.254.22.8/30"'), vpn[2].join('; '));
  assert.deepEqual(shown(p, 'azure/local-gateway/3').slice(0, 1).concat(shown(p, 'azure/local-gateway/3')[3]!), ['update', 'the tunnel it describes, while it is updated']);
  assert.deepEqual([shown(p, 'azure/connection/2')[0], shown(p, 'azure/connection/2')[3]], ['update', 'its tunnel, while it is updated']);
  assert.equal(p.changes.find((c) => c.id === 'azure/vpn-gateway')!.expectedSeconds, cloudLatency('azure.vpnGateway').update);
  assert.equal(remakesTunnels(p), true, 'the change stands only once BGP is up on all four tunnels again');
});

test('remakesTunnels: a tunnel made again or updated in place, or the gateway\'s BGP addresses updated, waits for BGP; a node count or the gateway\'s ASN alone does not', () => {
  assert.equal(remakesTunnels(plan((s) => (s.cells[0].nodePool.count = 3))), false);
  assert.equal(remakesTunnels(plan((s) => (s.azure.gatewayAsn = 65020), true)), true, 'customer gateways replaced');
  const gatewayOnly = planChange(valid(cellsExample()), valid(cellsExample()), { naming: 2, allowReplace: false });
  gatewayOnly.changes = [{ id: 'azure/vpn-gateway', kind: 'azure.vpnGateway', action: 'update', fields: [{ field: 'asn', from: '65010', to: '65020' }], expectedSeconds: 1800 }];
  assert.equal(remakesTunnels(gatewayOnly), false, "the gateway's ASN alone");
  gatewayOnly.changes[0]!.fields = [{ field: 'instanceBgpAddresses.1.0', from: '"169.254.21.6"', to: '"169.254.22.10"' }];
  assert.equal(remakesTunnels(gatewayOnly), true, "the gateway's custom BGP addresses");
});

const BAD_INSIDE_CIDRS: [string, string[], string, string][] = [
  ['outside Azure APIPA range', ['169.254.20.0/30', '169.254.22.4/30', '169.254.22.8/30', '169.254.22.12/30'], '/backbone/tunnelInsideCidrs/0', 'apipa.azure-range'],
  ['not a /30', ['169.254.22.0/30', '169.254.22.8/29', '169.254.22.16/30', '169.254.22.20/30'], '/backbone/tunnelInsideCidrs/1', 'apipa.prefix'],
  ['used twice', ['169.254.22.0/30', '169.254.22.4/30', '169.254.22.0/30', '169.254.22.12/30'], '/backbone/tunnelInsideCidrs/2', 'apipa.duplicate'],
];

for (const [what, cidrs, path, rule] of BAD_INSIDE_CIDRS) {
  test(`a live mesh's new tunnel inside CIDR ${what} is refused by the spec's validation, naming the field`, () => {
    const next = cellsExample();
    next.backbone = { tunnelInsideCidrs: cidrs };
    const result = validateSpec(next);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((p) => p.path === path && p.rule === rule), JSON.stringify(!result.ok && result.problems));
  });
}

test("an allowed replacement of the transit gateway's ASN is applied: nothing refused, the local gateways take the new ASN, and the plan says every tunnel goes down", () => {
  const allowed = applied((s) => (s.aws.transitGatewayAsn = 64600));
  assert.deepEqual(shown(allowed, 'aws/transit-gateway'), ['replace', undefined, ['amazonSideAsn 64512 → 64600'], 'all cross-cloud traffic (every tunnel ends on it)']);
  assert.deepEqual(shown(allowed, 'aws/vpn-connection/1'), ['replace', 'aws/transit-gateway', [], 'cross-cloud traffic over the tunnels it carries']);
  assert.deepEqual(shown(allowed, 'azure/local-gateway/2'), ['replace', 'aws/vpn-connection/1', ['awsAsn 64512 → 64600'], 'the tunnel it describes']);
  assert.deepEqual(shown(allowed, 'aws/customer-gateway/0'), ['unchanged', undefined, [], undefined], "a customer gateway is the Azure end: it keeps the Azure gateway's ASN");
  assert.deepEqual(shown(allowed, 'azure/vpn-gateway'), ['unchanged', undefined, [], undefined]);
});

test("an allowed replacement of the VPC's range is applied: nothing refused, every AWS cell made again with it, and the plan says the AWS cell's workloads stop and for how long", () => {
  const allowed = applied((s) => ((s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])));
  assert.deepEqual(shown(allowed, 'aws/vpc'), ['replace', undefined, ['cidr "10.10.0.0/16" → "10.11.0.0/16"'], 'everything in the VPC, and cross-cloud traffic']);
  assert.deepEqual(shown(allowed, 'aws/tgw-attachment'), ['replace', 'aws/vpc', [], 'all cross-cloud traffic of the VPC']);
  assert.deepEqual(shown(allowed, 'aws/eks-cluster/east')[0], 'replace');
  assert.equal(shown(allowed, 'aws/eks-cluster/east')[3], 'every workload of the cell, and its part of the mesh');
  assert.equal(allowed.changes.find((c) => c.id === 'aws/eks-cluster/east')!.expectedSeconds, 900, 'the cluster deleted and made again');
  assert.equal(allowed.expectedSeconds, 900 + 300, 'then its node group: the longest chain');
  assert.deepEqual(allowed.changes.filter((c) => c.id.startsWith('azure/') && c.action !== 'unchanged'), [], 'nothing in Azure');
});

test("an allowed replacement of the GatewaySubnet's prefix is applied: a new VPN gateway in the new subnet, on the same public IPs, with new connections; the plan says all four tunnels are down for over an hour", () => {
  const allowed = applied((s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27'));
  assert.deepEqual(shown(allowed, 'azure/gateway-subnet'), ['replace', undefined, ['cidr "10.20.255.0/27" → "10.20.254.0/27"'], 'everything in the subnet']);
  assert.deepEqual(shown(allowed, 'azure/vpn-gateway'), [
    'replace', 'azure/gateway-subnet', [],
    'all four tunnels: cross-cloud traffic stops while the old gateway is deleted and a new one made, over an hour in Azure',
  ]);
  assert.equal(allowed.changes.find((c) => c.id === 'azure/vpn-gateway')!.expectedSeconds, 1200 + 2700, "the gateway's delete, then its create");
  assert.deepEqual(shown(allowed, 'azure/connection/2'), ['replace', 'azure/vpn-gateway', [], 'its tunnel']);
  for (const kept of ['azure/public-ip/0', 'azure/public-ip/1', 'aws/customer-gateway/0', 'aws/vpn-connection/1', 'azure/local-gateway/3', 'azure/vnet']) {
    assert.equal(shown(allowed, kept)[0], 'unchanged', `${kept}: the new gateway takes the same public IPs, so AWS's side of every tunnel stays`);
  }
  assert.equal(remakesTunnels(allowed), true, 'the change stands only once BGP is up on all four tunnels again');
});

test("an allowed VNet range that still holds every subnet is applied: the VNet updated in place (no interruption), AWS's route to Azure made again for the new range", () => {
  const allowed = applied((s) => (s.azure.vnet.cidr = '10.20.0.0/15'));
  assert.deepEqual(shown(allowed, 'azure/vnet'), ['update', undefined, ['cidr "10.20.0.0/16" → "10.20.0.0/15"'], undefined]);
  assert.deepEqual(shown(allowed, 'aws/route-to-azure'), ['replace', undefined, ['destinationCidr "10.20.0.0/16" → "10.20.0.0/15"'], 'traffic from the VPC to Azure']);
  assert.deepEqual(allowed.changes.filter((c) => c.action !== 'unchanged').map((c) => c.id), ['aws/route-to-azure', 'azure/vnet'], 'no subnet, gateway or cell');
  assert.equal(remakesTunnels(allowed), false);
});

const SUBNET_OUTSIDE: [string, (s: Raw) => void, string, string][] = [
  ['the GatewaySubnet', (s) => (s.azure.vnet.cidr = '10.20.0.0/17'), '/azure/vnet/gatewaySubnetCidr', 'cidr.outside-parent'],
  ["the AKS cell's subnet", (s) => ((s.azure.vnet.cidr = '10.20.128.0/17'), (s.azure.vnet.gatewaySubnetCidr = '10.20.255.0/27')), '/cells/1/subnetCidr', 'cidr.outside-parent'],
];

for (const [what, edit, path, rule] of SUBNET_OUTSIDE) {
  test(`a live mesh's new VNet range that leaves ${what} outside it is refused by the spec's validation, naming the subnet's field and the rule`, () => {
    const result = validateSpec(withEdit(edit));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((p) => p.path === path && p.rule === rule), JSON.stringify(!result.ok && result.problems));
  });
}

const RESOURCE_GROUP = (s: Raw) => (s.azure.resourceGroup = 'cells-rg-2');

test('an allowed new resource group is applied: everything of the mesh in Azure, the tunnels and the Azure cell with its Istio made again in it; AWS\'s network and the AWS cell\'s Istio stay', () => {
  const allowed = applied(RESOURCE_GROUP);
  assert.deepEqual(shown(allowed, 'azure/resource-group'), ['replace', undefined, ['name "cellbridge-cells" → "cells-rg-2"'], 'everything of the mesh in Azure']);
  assert.deepEqual(ids(allowed, 'replace'), [
    'aws/customer-gateway/0', 'aws/customer-gateway/1', 'aws/vpn-connection/0', 'aws/vpn-connection/1',
    'azure/aks-cluster/west', 'azure/aks-subnet/west', 'azure/connection/0', 'azure/connection/1', 'azure/connection/2', 'azure/connection/3', 'azure/gateway-subnet',
    'azure/local-gateway/0', 'azure/local-gateway/1', 'azure/local-gateway/2', 'azure/local-gateway/3', 'azure/public-ip/0', 'azure/public-ip/1', 'azure/resource-group',
    'azure/vnet', 'azure/vpn-gateway',
    'istio/east/remote-secret/west', 'istio/west/base', 'istio/west/cacerts', 'istio/west/cross-network-gateway', 'istio/west/east-west-gateway', 'istio/west/istiod',
    'istio/west/namespace', 'istio/west/remote-secret/east', 'istio/west/traffic-policies',
  ]);
  assert.deepEqual(shown(allowed, 'aws/customer-gateway/0'), ['replace', 'azure/public-ip/0', [], 'cross-cloud traffic over the tunnels it carries'], "AWS's end of a tunnel follows the new public IP");
  assert.deepEqual(shown(allowed, 'istio/east/istiod'), ['unchanged', undefined, [], undefined], "the EKS cell's Istio does not live in the group");
  assert.deepEqual(shown(allowed, 'aws/route-to-azure'), ['unchanged', undefined, [], undefined]);
  // The group (30 + 2), the VNet (15 + 15), the GatewaySubnet (10 + 10), the gateway (1200 + 2700), a connection (60 + 90).
  assert.equal(allowed.expectedSeconds, 32 + 30 + 20 + 3900 + 150);
  assert.equal(remakesTunnels(allowed), true, 'the change stands once BGP is up on the new tunnels');
});

test('a new resource group without allowReplace is refused naming the group, both names, and everything that would go with it', () => {
  const [problem, ...more] = plan(RESOURCE_GROUP).refused;
  assert.deepEqual(more, []);
  assert.equal(
    problem?.message,
    'azure/resource-group (azure.resourceGroup) cannot change in place and would be deleted and made again: name "cellbridge-cells" → "cells-rg-2" (it is the resource\'s identity), ' +
      'and 28 resource(s) built on it with it. That interrupts everything of the mesh in Azure. Send the change with ?allowReplace=true to accept that, or keep name as it is',
  );
});

const RSA_ROOT = (s: Raw) => (s.pki = { ...s.pki, keyType: 'RSA_4096', rotation: { pickupSeconds: 120, workloadCertTtlSeconds: 3600 } });

test("plan for the root CA's key type, allowed: replace pki/root-ca (keyType) and each cell's cacerts updated, all applied by the root rotation after the change; no cell remade, the rotation's time its own", () => {
  const allowed = plan(RSA_ROOT, true);
  assert.deepEqual(allowed.refused, []);
  assert.deepEqual(ids(allowed, 'replace'), ['pki/root-ca']);
  assert.deepEqual(ids(allowed, 'update'), ['istio/east/cacerts', 'istio/west/cacerts']);
  assert.deepEqual([ids(allowed, 'create'), ids(allowed, 'delete')], [[], []]);
  assert.deepEqual(shown(allowed, 'pki/root-ca'), ['replace', undefined, ['keyType "ECDSA_P256" → "RSA_4096"'], undefined]);
  assert.deepEqual(shown(allowed, 'istio/west/cacerts'), ['update', undefined, ['keyType "ECDSA_P256" → "RSA_4096"'], undefined]);
  assert.deepEqual(allowed.changes.filter((c) => c.action !== 'unchanged').map((c) => [c.id, c.appliedBy]), [
    ['istio/east/cacerts', 'root-rotation'], ['istio/west/cacerts', 'root-rotation'], ['pki/root-ca', 'root-rotation'],
  ]);
  assert.equal(allowed.changes.find((c) => c.id === 'pki/root-ca')!.expectedSeconds, 3 * 120 + 3600);
  assert.equal(allowed.expectedSeconds, 0, 'the change itself makes nothing in the clouds');
  assert.equal(allowed.interruptsTraffic, false);
  assert.deepEqual(allowed.rootRotation && { ...allowed.rootRotation, description: undefined }, { keyType: { field: 'keyType', from: 'ECDSA_P256', to: 'RSA_4096' }, expectedSeconds: 3960, description: undefined });
  assert.match(allowed.rootRotation!.description, /^a root rotation the mesh starts once the change stands: .* new RSA_4096 root, .* \(3600 s\), trusts only the new root; nothing in the clouds is made again and no cell is remade$/);
});

test("the root CA's key type without allowReplace is refused naming the root alone: nothing built on it would be made again", () => {
  const refused = plan(RSA_ROOT);
  assert.deepEqual(refused.refused.map((p) => `${p.rule} ${p.path}`), ['change.replace-not-allowed pki/root-ca.keyType']);
  assert.equal(
    refused.refused[0]!.message,
    'pki/root-ca (pki.rootCa) cannot change in place: keyType "ECDSA_P256" → "RSA_4096" (a root key is what it is: a new key type is a root rotation). ' +
      'Send the change with ?allowReplace=true to have it applied by a root rotation the mesh starts once the change stands ' +
      '(every cell trusts both roots, signs with the new one, then trusts only it; nothing is remade), or keep keyType as it is',
  );
  assert.ok(refused.rootRotation, 'the plan shows the rotation the change would start');
});

test('a plan with no new root key type has no root rotation (a new intermediate validity is an update of every cacerts by the change)', () => {
  const p = plan((s) => (s.pki = { ...s.pki, intermediateValidityDays: 200 }));
  assert.equal(p.rootRotation, undefined);
  assert.deepEqual(p.changes.filter((c) => c.action === 'update').map((c) => [c.id, c.appliedBy]), [['istio/east/cacerts', undefined], ['istio/west/cacerts', undefined]]);
});

test("the root CA's key type with the VPC's range, allowed: both accepted; the change remakes the AWS cell (its cacerts from the current root), the rotation then moves every cell", () => {
  const allowed = plan((s) => (RSA_ROOT(s), (s.aws.vpc.cidr = '10.11.0.0/16'), (s.aws.vpc.subnets = [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }])), true);
  assert.deepEqual(allowed.refused, []);
  const east = allowed.changes.find((c) => c.id === 'istio/east/cacerts')!;
  assert.deepEqual([east.action, east.replacedWith, east.appliedBy], ['replace', 'istio/east/namespace', undefined], "a remade cell's cacerts is made by the change");
  assert.equal(allowed.changes.find((c) => c.id === 'istio/west/cacerts')!.appliedBy, 'root-rotation');
  assert.ok(allowed.rootRotation);
  assert.ok(allowed.expectedSeconds < allowed.rootRotation.expectedSeconds, 'the change\'s estimate leaves the rotation out');
});

const REFERENCED = (s: Raw) => (s.pki = { ...s.pki, rootSecret: 'team/mesh-root' });
for (const { what, edit, base, path } of [
  { what: 'a root by reference instead of the generated one', edit: REFERENCED, base: () => {}, path: 'pki/root-ca.secretName,userSupplied' },
  { what: 'a referenced root of another key type', edit: (s: Raw) => (s.pki = { ...s.pki, keyType: 'RSA_4096' }), base: REFERENCED, path: 'pki/root-ca.keyType' },
]) {
  test(`${what}, allowed, is refused as not applied: cellbridge rotates only to a root it generates`, () => {
    const allowed = plan(edit, true, base);
    assert.deepEqual(allowed.refused.map((p) => `${p.rule} ${p.path}`), [`change.replace-not-applied ${path}`]);
    assert.match(allowed.refused[0]!.message, /a root by reference is its owner's, never rotated by cellbridge/);
    assert.equal(allowed.rootRotation, undefined);
  });
}

test('a changed traffic policy shows the leaf that changed, with both values', () => {
  const change = plan((s) => (s.trafficPolicies[0].outlierDetection.consecutive5xxErrors = 3)).changes.find((c) => c.id === 'istio/east/traffic-policies');
  assert.deepEqual(change?.fields.map((f) => [f.field.split('.').at(-1), f.from, f.to]), [['consecutive5xxErrors', '1', '3']]);
});

const operatorsVpc = (s: Raw) => (s.aws.vpc = { cidr: '10.10.0.0/16', existingVpcId: 'vpc-0123456789abcdef0', existingSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] });

const ANOTHER_OPERATORS_VPC = (s: Raw) => (s.aws.vpc = { cidr: '10.11.0.0/16', existingVpcId: 'vpc-0fedcba9876543210', existingSubnetIds: ['subnet-0fedcba9876543210', 'subnet-0fedcba9876543211'] });
/** The network and every AWS cell on it; nothing in Azure. */
const AWS_NETWORK_AND_CELL = [
  'aws/eks-access-entry/east', 'aws/eks-cluster/east', 'aws/eks-nodegroup/east', 'aws/route-to-azure', 'aws/subnet/0', 'aws/subnet/1', 'aws/tgw-attachment', 'aws/vpc',
  'istio/east/base', 'istio/east/cacerts', 'istio/east/cross-network-gateway', 'istio/east/east-west-gateway', 'istio/east/istiod', 'istio/east/namespace',
  'istio/east/remote-secret/west', 'istio/east/traffic-policies', 'istio/west/remote-secret/east',
];

test("another of the operator's VPCs, allowed, is applied: the attachment, route and every AWS cell made again on it; the plan says only the mesh's part of the VPC stops", () => {
  const allowed = planChange(valid(withEdit(operatorsVpc)), valid(withEdit(ANOTHER_OPERATORS_VPC)), { naming: 2, allowReplace: true });
  assert.deepEqual(allowed.refused, []);
  assert.deepEqual(ids(allowed, 'replace'), AWS_NETWORK_AND_CELL);
  assert.deepEqual(shown(allowed, 'aws/vpc'), [
    'replace', undefined, ['cidr "10.10.0.0/16" → "10.11.0.0/16"', 'vpcId "vpc-0123456789abcdef0" → "vpc-0fedcba9876543210"'],
    "the mesh's AWS cells and cross-cloud traffic (the operator's VPC and the rest in it are untouched)",
  ]);
  assert.deepEqual(shown(allowed, 'aws/subnet/1')[2], ['subnetId "subnet-0123456789abcdef1" → "subnet-0fedcba9876543211"']);
  assert.deepEqual(shown(allowed, 'aws/tgw-attachment').slice(0, 2), ['replace', 'aws/vpc']);
  assert.equal(allowed.expectedSeconds, 900 + 300, 'the EKS cluster deleted and made again, then its node group');
  assert.equal(remakesTunnels(allowed), true, 'the new attachment advertises the new range: BGP awaited');
  const refused = planChange(valid(withEdit(operatorsVpc)), valid(withEdit(ANOTHER_OPERATORS_VPC)), { naming: 2, allowReplace: false });
  assert.deepEqual(refused.refused.map((p) => `${p.rule} ${p.path}`), [
    'change.replace-not-allowed aws/subnet/0.subnetId', 'change.replace-not-allowed aws/subnet/1.subnetId', 'change.replace-not-allowed aws/vpc.vpcId',
  ]);
});

test("a mesh's own VPC exchanged for the operator's, or back, allowed, is applied: the VPC and subnets change kind, everything AWS built on them is made again", () => {
  const toOperators = plan(operatorsVpc, true);
  assert.deepEqual(toOperators.refused, []);
  assert.deepEqual(ids(toOperators, 'replace'), AWS_NETWORK_AND_CELL);
  assert.deepEqual(shown(toOperators, 'aws/vpc').slice(0, 3), ['replace', undefined, ['kind aws.vpc → aws.existingVpc', 'name "cells-vpc" → (none)', 'vpcId (none) → "vpc-0123456789abcdef0"']]);
  const toOwn = planChange(valid(withEdit(operatorsVpc)), valid(cellsExample()), { naming: 2, allowReplace: true });
  assert.deepEqual(toOwn.refused, []);
  assert.deepEqual(ids(toOwn, 'replace'), AWS_NETWORK_AND_CELL);
  assert.deepEqual(shown(toOwn, 'aws/vpc')[2][0], 'kind aws.existingVpc → aws.vpc');
});

function withEdit(edit: (s: Raw) => void): Raw {
  const spec = cellsExample();
  edit(spec);
  return spec;
}

test('every kind a graph can hold has a change rule and cloud latencies, so no spec change can stop the planner', () => {
  for (const kind of RESOURCE_KINDS) {
    assert.doesNotThrow(() => changeRule(kind), kind);
    assert.doesNotThrow(() => cloudLatency(kind), kind);
  }
});
