import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';
import { rejectionTable } from '../support/rejections.ts';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'));

/** A valid spec with one change applied; `null` deletes the field. */
function variant(change: (spec: any) => void): unknown {
  const spec = example('minimal');
  change(spec);
  return spec;
}

test('both example specs are valid and get every default filled in', () => {
  for (const name of ['minimal', 'explicit']) {
    const result = validateSpec(example(name));
    assert.ok(result.ok, `${name}: ${JSON.stringify(!result.ok && result.problems)}`);
  }
  const result = validateSpec(example('minimal'));
  assert.ok(result.ok);
  assert.equal(result.spec.aws.transitGatewayAsn, 64512);
  assert.equal(result.spec.azure.gatewayAsn, 65010);
  assert.equal(result.spec.azure.resourceGroup, 'cellbridge-demo');
  assert.deepEqual(result.spec.aws.vpc.mode === 'create' && result.spec.aws.vpc.subnets.map((s) => s.availabilityZone), ['us-east-1a', 'us-east-1b']);
  assert.deepEqual(result.spec.drift, { mode: 'report', intervalMinutes: 60 }, 'drift is reported, hourly, unless the spec says otherwise');
});

test('drift settings at the ends of their range are accepted, and a given mode keeps the default interval', () => {
  for (const drift of [{ intervalMinutes: 5 }, { intervalMinutes: 10080 }, { mode: 'repair' }]) {
    const result = validateSpec(variant((s) => (s.drift = drift)));
    assert.ok(result.ok, `${JSON.stringify(drift)}: ${JSON.stringify(!result.ok && result.problems)}`);
    assert.deepEqual(result.spec.drift, { mode: 'report', intervalMinutes: 60, ...drift });
  }
});

const rejected: [string, (spec: any) => void, string, string][] = [
  ['a missing field', (s) => delete s.azure.location, '/azure/location', 'schema.required'],
  ['a mistyped field', (s) => (s.aws.transitGatewayAsn = '64512'), '/aws/transitGatewayAsn', 'schema.type'],
  ['an unknown field (a typo)', (s) => (s.aws.vpcCidr = '10.0.0.0/16'), '/aws/vpcCidr', 'schema.additionalProperties'],
  ['a mesh name Azure and Temporal IDs would not take', (s) => (s.name = 'Demo_Mesh'), '/name', 'schema.pattern'],
  ['a resource group name ending with a dot', (s) => (s.azure.resourceGroup = 'rg.'), '/azure/resourceGroup', 'schema.pattern'],
  ['a subscription that is not a GUID', (s) => (s.azure.subscriptionId = 'prod'), '/azure/subscriptionId', 'schema.pattern'],
  ['a malformed CIDR', (s) => (s.aws.vpc.cidr = '10.10.0.0/33'), '/aws/vpc/cidr', 'cidr.syntax'],
  ['a CIDR with host bits', (s) => (s.aws.vpc.cidr = '10.10.0.1/16'), '/aws/vpc/cidr', 'cidr.not-network-address'],
  ['a VPC larger than AWS allows', (s) => (s.aws.vpc.cidr = '10.0.0.0/8'), '/aws/vpc/cidr', 'cidr.size'],
  ['a VNet overlapping the VPC', (s) => (s.azure.vnet = { cidr: '10.10.128.0/17', gatewaySubnetCidr: '10.10.255.0/27' }), '/azure/vnet/cidr', 'cidr.overlap'],
  ['a VNet in the link-local range', (s) => (s.azure.vnet = { cidr: '169.254.0.0/16', gatewaySubnetCidr: '169.254.255.0/27' }), '/azure/vnet/cidr', 'cidr.reserved'],
  ['a gateway subnet outside the VNet', (s) => (s.azure.vnet.gatewaySubnetCidr = '10.30.0.0/27'), '/azure/vnet/gatewaySubnetCidr', 'cidr.outside-parent'],
  ['a gateway subnet smaller than /29', (s) => (s.azure.vnet.gatewaySubnetCidr = '10.20.255.0/30'), '/azure/vnet/gatewaySubnetCidr', 'cidr.size'],
  ['a subnet outside the VPC', (s) => (s.aws.vpc.subnets[1].cidr = '10.11.0.0/24'), '/aws/vpc/subnets/1/cidr', 'cidr.outside-parent'],
  ['overlapping subnets', (s) => (s.aws.vpc.subnets[1].cidr = '10.10.0.0/25'), '/aws/vpc/subnets/1/cidr', 'cidr.overlap'],
  ['two subnets in one zone', (s) => (s.aws.vpc.subnets = [{ cidr: '10.10.0.0/24', availabilityZone: 'us-east-1a' }, { cidr: '10.10.1.0/24', availabilityZone: 'us-east-1a' }]), '/aws/vpc/subnets/1/availabilityZone', 'subnet.zone-duplicate'],
  ['a zone of another region', (s) => (s.aws.vpc.subnets[0].availabilityZone = 'eu-west-1a'), '/aws/vpc/subnets/0/availabilityZone', 'subnet.zone-region'],
  ['an Azure-reserved gateway ASN', (s) => (s.azure.gatewayAsn = 65515), '/azure/gatewayAsn', 'asn.azure-reserved'],
  ['an Azure public ASN', (s) => (s.azure.gatewayAsn = 12076), '/azure/gatewayAsn', 'asn.azure-reserved'],
  ['an IANA-reserved ASN', (s) => (s.azure.gatewayAsn = 23456), '/azure/gatewayAsn', 'asn.iana-reserved'],
  ['an IANA documentation ASN', (s) => (s.azure.gatewayAsn = 64500), '/azure/gatewayAsn', 'asn.iana-reserved'],
  ['a Transit Gateway ASN outside AWS ranges', (s) => (s.aws.transitGatewayAsn = 65000 - 1000), '/aws/transitGatewayAsn', 'asn.transit-gateway-range'],
  ['an Azure-reserved Transit Gateway ASN', (s) => (s.aws.transitGatewayAsn = 65517), '/aws/transitGatewayAsn', 'asn.azure-reserved'],
  ['equal ASNs on both sides', (s) => ((s.aws.transitGatewayAsn = 65010), (s.azure.gatewayAsn = 65010)), '/azure/gatewayAsn', 'asn.equal'],
  ['three tunnel CIDRs instead of four', (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30'] }), '/backbone/tunnelInsideCidrs', 'schema.minItems'],
  ['a tunnel CIDR outside Azure APIPA range', (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.20.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'] }), '/backbone/tunnelInsideCidrs/0', 'apipa.azure-range'],
  ['an AWS-reserved tunnel CIDR', (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.5.0/30', '169.254.22.4/30'] }), '/backbone/tunnelInsideCidrs/2', 'apipa.aws-reserved'],
  ['a tunnel CIDR that is not a /30', (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.21.0/29', '169.254.22.0/30', '169.254.21.8/30', '169.254.22.4/30'] }), '/backbone/tunnelInsideCidrs/0', 'apipa.prefix'],
  ['a tunnel CIDR used twice', (s) => (s.backbone = { tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.0/30', '169.254.22.4/30'] }), '/backbone/tunnelInsideCidrs/2', 'apipa.duplicate'],
  ['a drift mode that is neither report nor repair', (s) => (s.drift = { mode: 'fix' }), '/drift/mode', 'schema.enum'],
  ['an unknown drift setting', (s) => (s.drift = { interval: 30 }), '/drift/interval', 'schema.additionalProperties'],
  ['a fractional drift interval', (s) => (s.drift = { intervalMinutes: 7.5 }), '/drift/intervalMinutes', 'schema.type'],
  ['drift checked more often than every 5 minutes', (s) => (s.drift = { intervalMinutes: 4 }), '/drift/intervalMinutes', 'drift.interval-too-short'],
  ['drift checked less often than weekly', (s) => (s.drift = { mode: 'repair', intervalMinutes: 10081 }), '/drift/intervalMinutes', 'drift.interval-too-long'],
  ['an existing VPC without subnets', (s) => (s.aws.vpc = { cidr: '10.10.0.0/16', existingVpcId: 'vpc-0123456789abcdef0' }), '/aws/vpc/existingSubnetIds', 'vpc.existing-subnets'],
];

rejectionTable(rejected.map(([what, change, path, rule]) => [what, () => variant(change), path, rule]));

test('every semantic problem of a spec is reported at once, not just the first', () => {
  const result = validateSpec(
    variant((s) => {
      s.azure.gatewayAsn = 65515;
      s.azure.vnet.cidr = '10.10.0.0/16';
      s.backbone = { tunnelInsideCidrs: ['169.254.20.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'] };
    }),
  );
  assert.equal(result.ok, false);
  assert.deepEqual((result.ok ? [] : result.problems).map((p) => p.rule).sort(), ['apipa.azure-range', 'asn.azure-reserved', 'cidr.outside-parent', 'cidr.overlap']);
});
