/**
 * Complete validation of a mesh spec: the JSON Schema first, then the semantic rules that
 * break real VPNs (docs/domain-rules.md, "BGP ASNs and APIPA inside addresses"; "Pitfall:
 * inside /30s from Azure's range, unique, not reserved" and "Pitfall: ASN pairing and
 * reserved ASNs"). Every problem is reported, each with its path, so a user fixes the
 * spec in one round trip.
 */
import { asnProblems, transitGatewayAsnProblems } from './asn.ts';
import { contains, mustParseCidr, overlaps, parseCidr, type Cidr } from './cidr.ts';
import { cidrMessage, RangeChecker, type Reporter } from './range-checker.ts';
import { checkCells } from './validate-cells.ts';
import { checkDriftSettings } from './validate-drift.ts';
import { checkIstio } from './validate-istio.ts';
import { PROVING_GROUND_ISTIO, type IstioSupport } from './istio-versions.ts';
import { normalizeSpec, type MeshSpec, type MeshSpecInput } from './mesh-spec.ts';
import type { Problem } from './problems.ts';
import { schemaProblems } from './spec-schema.ts';

export type Validation = { ok: true; spec: MeshSpec } | { ok: false; problems: Problem[] };

/** AWS reserves these inside-tunnel /30s (docs/domain-rules.md, "BGP ASNs and APIPA inside addresses"). */
const AWS_RESERVED_INSIDE = ['169.254.0.0/30', '169.254.1.0/30', '169.254.2.0/30', '169.254.3.0/30', '169.254.4.0/30', '169.254.5.0/30', '169.254.169.252/30'];

/** Azure accepts custom BGP addresses only in 169.254.21.0 – 169.254.22.255. */
const AZURE_APIPA = ['169.254.21.0/24', '169.254.22.0/24'];

/**
 * `offered`: the Istio releases the deployment installs (CELLBRIDGE_ISTIO_RELEASES); the
 * first is the version of a spec that names none. Without it, the proving ground's.
 */
export function validateSpec(input: unknown, offered: readonly IstioSupport[] = [PROVING_GROUND_ISTIO]): Validation {
  const structural = schemaProblems(input);
  if (structural.length > 0) return { ok: false, problems: structural };
  const normalized = normalizeSpec(input as MeshSpecInput);
  const defaultVersion = (input as MeshSpecInput).istio?.version === undefined ? offered[0]?.version : undefined;
  const spec = defaultVersion === undefined ? normalized : { ...normalized, istio: { ...normalized.istio, version: defaultVersion } };
  const problems = semanticProblems(input as MeshSpecInput, spec, offered);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec };
}

function semanticProblems(input: MeshSpecInput, spec: MeshSpec, offered: readonly IstioSupport[]): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, rule: string, message: string) => problems.push({ path, rule, message });
  const ranges = new RangeChecker(report);

  const vpc = ranges.block('/aws/vpc/cidr', spec.aws.vpc.cidr, 16, 28, 'AWS VPCs are /16 to /28');
  const vnet = ranges.block('/azure/vnet/cidr', spec.azure.vnet.cidr, 8, 29, 'Azure VNets are /8 to /29');
  const gatewaySubnet = ranges.block('/azure/vnet/gatewaySubnetCidr', spec.azure.vnet.gatewaySubnetCidr, 8, 29, 'GatewaySubnet must be /29 or larger (/27 recommended)');
  ranges.within('/azure/vnet/gatewaySubnetCidr', gatewaySubnet, vnet, 'the VNet');

  checkVpcLayout(spec, vpc, ranges, report);
  const cellRanges = checkCells(input, spec, vnet, gatewaySubnet, ranges, report);
  ranges.disjoint([
    { path: '/aws/vpc/cidr', cidr: vpc, what: 'the AWS VPC' },
    { path: '/azure/vnet/cidr', cidr: vnet, what: 'the Azure VNet' },
    ...cellRanges,
  ]);
  checkAsns(spec, report);
  checkIstio(input, spec, offered, report);
  checkTunnelCidrs(spec.backbone.tunnelInsideCidrs, report);
  checkDriftSettings(spec, report);
  return problems;
}

function checkVpcLayout(spec: MeshSpec, vpc: Cidr | undefined, ranges: RangeChecker, report: Reporter): void {
  const { vpc: layout, region } = spec.aws;
  if (layout.mode === 'existing') {
    if (layout.subnetIds.length === 0) report('/aws/vpc/existingSubnetIds', 'vpc.existing-subnets', 'an existing VPC needs existingSubnetIds: one subnet per availability zone for the Transit Gateway attachment');
    return;
  }
  if (layout.subnets.length === 0) {
    report('/aws/vpc/subnets', 'vpc.subnets', 'give subnets for a new VPC, or existingVpcId with existingSubnetIds');
    return;
  }
  const zones = new Map<string, number>();
  const subnets = layout.subnets.map((subnet, i) => {
    const path = `/aws/vpc/subnets/${i}`;
    if (!subnet.availabilityZone.startsWith(region)) report(`${path}/availabilityZone`, 'subnet.zone-region', `${subnet.availabilityZone} is not a zone of ${region}`);
    const seen = zones.get(subnet.availabilityZone);
    if (seen !== undefined) report(`${path}/availabilityZone`, 'subnet.zone-duplicate', `zone ${subnet.availabilityZone} already has subnet ${seen}; the Transit Gateway attaches one subnet per zone`);
    zones.set(subnet.availabilityZone, i);
    const cidr = ranges.block(`${path}/cidr`, subnet.cidr, 16, 28, 'AWS subnets are /16 to /28');
    ranges.within(`${path}/cidr`, cidr, vpc, 'the VPC');
    return { path: `${path}/cidr`, cidr, what: `subnet ${i}` };
  });
  ranges.disjoint(subnets, false);
}

function checkAsns(spec: MeshSpec, report: Reporter): void {
  const aws = spec.aws.transitGatewayAsn;
  const azure = spec.azure.gatewayAsn;
  for (const p of transitGatewayAsnProblems(aws)) report('/aws/transitGatewayAsn', p.rule, p.message);
  for (const p of asnProblems(azure)) report('/azure/gatewayAsn', p.rule, p.message);
  if (aws === azure) report('/azure/gatewayAsn', 'asn.equal', `both sides use ASN ${aws}; eBGP needs different ASNs on AWS and Azure`);
}

function checkTunnelCidrs(cidrs: readonly string[], report: Reporter): void {
  const azureRange = AZURE_APIPA.map(mustParseCidr);
  const awsReserved = AWS_RESERVED_INSIDE.map(mustParseCidr);
  const accepted: { index: number; cidr: Cidr }[] = [];
  cidrs.forEach((text, index) => {
    const path = `/backbone/tunnelInsideCidrs/${index}`;
    const cidr = parseCidr(text);
    if (typeof cidr === 'string') return report(path, `cidr.${cidr}`, cidrMessage(text, cidr));
    if (cidr.prefix !== 30) return report(path, 'apipa.prefix', `${text} must be a /30 (one per tunnel)`);
    if (awsReserved.some((r) => overlaps(r, cidr))) return report(path, 'apipa.aws-reserved', `${text} is one of AWS's reserved inside CIDRs`);
    if (!azureRange.some((r) => contains(r, cidr))) return report(path, 'apipa.azure-range', `${text} is outside 169.254.21.0–169.254.22.255, the only APIPA range Azure accepts`);
    const clash = accepted.find((a) => overlaps(a.cidr, cidr));
    if (clash) return report(path, 'apipa.duplicate', `${text} is already used by tunnel ${clash.index}; every tunnel needs its own /30`);
    accepted.push({ index, cidr });
  });
}
