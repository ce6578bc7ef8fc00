/**
 * Changing a live mesh (PUT /v1/meshes/{name}) on the proving ground, one mesh taking the
 * changes in sequence. Each change is judged from the clouds and clusters themselves (the
 * EKS node group, the AKS agent pool, cacerts and remote secrets read from each API
 * server, DestinationRules, the Temporal schedule), not from the product's status alone.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { NetworkManagementClient } from '@azure/arm-network';
import { DescribeCustomerGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeTransitGatewaysCommand, DescribeTransitGatewayVpcAttachmentsCommand, DescribeVpcsCommand, DescribeVpnConnectionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { AppsV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { cloudLatency } from '../../domain/cloud-latency.ts';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { backboneNames, CURRENT_NAMING } from '../../domain/names.ts';
import { criticalPath } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { cellClusterName, cellKubeConfig, core } from '../support/kube.ts';
import { api, clearFaults, exampleSpec, FAST_TIME_SCALE, injectFault, meshInventory, useStack, waitForChangeEnd, waitForPhase } from '../support/stack.ts';

const MESH = 'chg';
const SUB = '00000000-0000-0000-0000-000000000000';
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const NORTH = { name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' };
const text = (secret: V1Secret, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

describe('changing a live mesh', () => {
  const stack = useStack('change', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  let temporal: Client;
  let connection: Connection;
  before(async () => {
    const e = stack.endpoints();
    connection = await Connection.connect({ address: e.temporal.address });
    // An operator with the codec key: the schedule's arguments are encrypted like every payload.
    temporal = new Client({ connection, dataConverter: { payloadCodecs: [new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'))] } });
  });
  after(async () => connection?.close());
  afterEach(() => clearFaults(stack.endpoints()));

  test("a replacement is refused with its rule (not allowed; allowed but not applied to a root by reference); node counts change in place: the EKS node group and the AKS agent pool show the new size; a second change while one runs is 409 change.in-progress", async () => {
    const e = stack.endpoints();
    spec = exampleSpec('cells', { name: MESH });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));
    assert.deepEqual(await nodeCounts(e), { east: 2, west: 2 });

    // Refused by the workflow's validator, its rule carried back through the Update's failure.
    const replacing = structuredClone(spec);
    replacing.cells[0].serviceCidr = '172.22.0.0/16';
    const refused = await api(e, 'PUT', `/v1/meshes/${MESH}`, replacing);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual([...new Set(refused.body.problems.map((p: any) => p.rule))], ['change.replace-not-allowed']);
    const referenced = structuredClone(spec);
    referenced.pki = { ...referenced.pki, rootSecret: `team/${MESH}-root` };
    const unapplied = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, referenced);
    assert.equal(unapplied.status, 400, JSON.stringify(unapplied.body));
    assert.deepEqual(unapplied.body.problems.map((p: any) => `${p.rule} ${p.path.split('.')[0]}`), ['change.replace-not-applied pki/root-ca']);

    const next = structuredClone(spec);
    next.cells[0].nodePool.count = 3;
    next.cells[1].nodePool.count = 3;
    // Sent together: the change takes about a second at this time scale, so a PUT sent after the first one's
    // answer could arrive once it has ended (then the mesh is verifying: change.mesh-not-up).
    const answers = await Promise.all([api(e, 'PUT', `/v1/meshes/${MESH}`, next), api(e, 'PUT', `/v1/meshes/${MESH}`, next)]);
    const accepted = answers.find((a) => a.status === 202);
    const again = answers.find((a) => a !== accepted);
    assert.ok(accepted, JSON.stringify(answers.map((a) => a.body)));
    assert.deepEqual(accepted.body.plan.changes.filter((c: any) => c.action !== 'unchanged').map((c: any) => `${c.action} ${c.id}`), ['update aws/eks-nodegroup/east', 'update azure/aks-cluster/west']);
    assert.equal(again?.status, 409, JSON.stringify(again?.body));
    assert.deepEqual(again.body.problems.map((p: any) => p.rule), ['change.in-progress']);

    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready');
    assert.deepEqual(await nodeCounts(e), { east: 3, west: 3 });
    spec = next;
  });

  test("an allowed change of the Azure gateway's ASN: both customer gateways and VPN connections, the four local gateways and connections made again, the VPN gateway's ASN updated in place, all four tunnels BGP Established again; the plan says the tunnels go down", async (t) => {
    const e = stack.endpoints();
    const before = await tunnelsInClouds(e);
    const next = structuredClone(spec);
    next.azure.gatewayAsn = 65020;
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual([plan.summary.replace, plan.summary.update, plan.refused.length, plan.interruptsTraffic], [12, 1, 0, true], JSON.stringify(plan.summary));
    assert.deepEqual(plan.changes.filter((c: any) => c.action === 'replace' && !c.replacedWith).map((c: any) => `${c.id} ${c.fields.map((f: any) => f.field)}`), ['aws/customer-gateway/0 bgpAsn', 'aws/customer-gateway/1 bgpAsn']);
    assert.deepEqual(plan.changes.filter((c: any) => c.action === 'update').map((c: any) => `${c.id} ${c.interrupts}`), ['azure/vpn-gateway BGP on all four tunnels while the gateway is updated']);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the ASN change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await tunnelsInClouds(e);
    assert.deepEqual(after.customerGateways.map((c) => c.asn), ['65020', '65020'], 'EC2 shows two customer gateways of the mesh, with the new ASN');
    assert.deepEqual(after.customerGateways.filter((c) => before.customerGateways.some((b) => b.id === c.id)), [], 'they are new ones; the old ones are deleted');
    assert.deepEqual(after.vpnConnections.filter((v) => before.vpnConnections.some((b) => b.id === v.id)), [], 'the VPN connections are new ones');
    assert.deepEqual(after.vpnConnections.map((v) => v.customerGatewayId).sort(), after.customerGateways.map((c) => c.id).sort(), 'each on one of the new customer gateways');
    assert.equal(after.gatewayAsn, 65020, "ARM shows the VPN gateway's new ASN");
    assert.deepEqual(after.localGatewayIps, after.outsideIps, "Azure's four local gateways point at the new tunnels' outside IPs");
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
    assert.equal(after.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
  });

  test("a change of the Azure gateway's ASN that fails part way (the gateway's update refused) rolls back: the new tunnels deleted, the old ones made again with the old ASN, the gateway's ASN as it was, all four tunnels up", async () => {
    const e = stack.endpoints();
    const before = await tunnelsInClouds(e);
    const next = structuredClone(spec);
    next.azure.gatewayAsn = 65030;
    // The gateway is updated after the twelve tunnel resources are made again (domain/change-steps.ts): the fault hits last.
    await injectFault(e.azure, { operation: 'virtualNetworkGateways.createOrUpdate', kind: 'error', status: 400, code: 'InvalidParameter', message: 'simulated gateway update failure', count: 1, match: backboneNames(MESH).vpnGateway });
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'RolledBack', JSON.stringify(done.change));
    assert.match(done.change.error, /simulated gateway update failure/);
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));

    const after = await tunnelsInClouds(e);
    assert.deepEqual(after.customerGateways.map((c) => c.asn), ['65020', '65020'], 'two customer gateways, with the old ASN');
    assert.deepEqual(after.customerGateways.filter((c) => before.customerGateways.some((b) => b.id === c.id)), [], 'made again: the ones of the failed change are deleted');
    assert.equal(after.gatewayAsn, 65020);
    assert.deepEqual(after.localGatewayIps, after.outsideIps);
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP']);
    assert.equal(after.connectedPeers, 4);
  });

  test("new tunnel inside CIDRs, without allowReplace: the plan updates the VPN gateway, VPN connections, local gateways and connections in place (nothing replaced); EC2 shows the same VPN connections with the new inside CIDRs, ARM the same gateway with the new APIPA addresses, the local gateways peering with AWS's new addresses, the connections with Azure's; all four tunnels BGP Established", async (t) => {
    const e = stack.endpoints();
    const before = await tunnelsInClouds(e);
    const next = structuredClone(spec);
    next.backbone = { ...next.backbone, tunnelInsideCidrs: ['169.254.22.16/30', '169.254.22.20/30', '169.254.22.24/30', '169.254.22.28/30'] };
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual([plan.summary.replace, plan.summary.update, plan.refused.length, plan.interruptsTraffic], [0, 11, 0, true], JSON.stringify(plan.summary));
    assert.equal(plan.changes.find((c: any) => c.id === 'azure/vpn-gateway').interrupts, 'BGP on all four tunnels while the gateway is updated');
    assert.equal(plan.expectedSeconds, cloudLatency('azure.vpnGateway').update + cloudLatency('azure.connection').update);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the inside CIDR change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await tunnelsInClouds(e);
    assert.deepEqual(after.vpnConnections.map((v) => v.id).sort(), before.vpnConnections.map((v) => v.id).sort(), 'the same VPN connections: nothing replaced');
    assert.equal(after.gatewayId, before.gatewayId, 'the same VPN gateway');
    assert.deepEqual(after.insideCidrs, ['169.254.22.16/30', '169.254.22.20/30', '169.254.22.24/30', '169.254.22.28/30'], "EC2: the tunnels' new inside CIDRs");
    assert.deepEqual(after.outsideIps, before.outsideIps, 'the same tunnels (outside IPs)');
    assert.deepEqual(after.gatewayCustomBgp, [['169.254.22.18', '169.254.22.22'], ['169.254.22.26', '169.254.22.30']], "ARM: each gateway instance's new APIPA addresses");
    assert.deepEqual(after.localGatewayPeers, ['169.254.22.17', '169.254.22.21', '169.254.22.25', '169.254.22.29'], "ARM: the local gateways peer with AWS's new addresses");
    assert.deepEqual(after.connectionCustomBgp, ['169.254.22.18', '169.254.22.22', '169.254.22.26', '169.254.22.30'], "ARM: the connections give the gateway only its new addresses, each of them");
    assert.deepEqual(after.localGatewayIps, after.outsideIps);
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
    assert.equal(after.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
  });

  test("an allowed change of the transit gateway's ASN: a new transit gateway with the new ASN, its VPC attachment and the VPC's route to Azure on it, both VPN connections made again on it, the four local gateways and connections made again with the new ASN, the customer gateways kept, all four tunnels BGP Established again", async (t) => {
    const e = stack.endpoints();
    const before = await tunnelsInClouds(e);
    const next = structuredClone(spec);
    next.aws.transitGatewayAsn = 64600;
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual([plan.summary.replace, plan.summary.update, plan.refused.length, plan.interruptsTraffic], [13, 0, 0, true], JSON.stringify(plan.summary));
    assert.deepEqual(plan.changes.filter((c: any) => c.action === 'replace' && !c.replacedWith).map((c: any) => `${c.id} ${c.fields.map((f: any) => f.field)}`), ['aws/transit-gateway amazonSideAsn']);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the transit gateway ASN change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified (plan: ${plan.expectedSeconds} s in the clouds)`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await tunnelsInClouds(e);
    assert.deepEqual(after.transitGateways.map((g) => g.asn), [64600], 'EC2 shows one transit gateway of the mesh, with the new ASN');
    assert.notEqual(after.transitGateways[0]!.id, before.transitGateways[0]!.id, 'a new one; the old one is deleted');
    assert.deepEqual(after.attachments.map((a) => a.transitGatewayId), [after.transitGateways[0]!.id], 'the VPC is attached to the new transit gateway');
    assert.deepEqual(after.routeTargets, [after.transitGateways[0]!.id], "the VPC's route to Azure goes through the new transit gateway");
    assert.deepEqual(after.customerGateways, before.customerGateways, 'the customer gateways (the Azure end) are kept');
    assert.deepEqual(after.vpnConnections.filter((v) => before.vpnConnections.some((b) => b.id === v.id)), [], 'the VPN connections are new ones');
    assert.deepEqual(after.vpnConnections.map((v) => v.transitGatewayId), [after.transitGateways[0]!.id, after.transitGateways[0]!.id], 'each on the new transit gateway');
    assert.deepEqual(after.localGatewayAsns, [64600, 64600, 64600, 64600], "Azure's four local gateways peer with the new ASN");
    assert.deepEqual(after.localGatewayIps, after.outsideIps, "and point at the new tunnels' outside IPs");
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
    assert.equal(after.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
  });

  test("an allowed change of the VPC's range and its subnets': a new VPC with the new range and new subnets, the EKS cluster made again in them with its node group, Istio, cacerts and remote secrets both ways, attached to the transit gateway with its route to Azure, the old VPC gone; BGP Established again and the mesh verified", async (t) => {
    const e = stack.endpoints();
    const before = await vpcInEc2(e);
    const cluster = await eastCluster(e);
    const next = structuredClone(spec);
    next.aws.vpc = { cidr: '10.11.0.0/16', subnets: [{ cidr: '10.11.0.0/24' }, { cidr: '10.11.1.0/24' }] };
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual([plan.summary.replace, plan.refused.length, plan.interruptsTraffic], [17, 0, true], JSON.stringify(plan.summary));
    const eks = plan.changes.find((c: any) => c.id === 'aws/eks-cluster/east');
    assert.deepEqual([eks.action, eks.interrupts], ['replace', 'every workload of the cell, and its part of the mesh'], 'the plan says the AWS cell stops');
    assert.ok(plan.expectedSeconds >= eks.expectedSeconds, 'and how long the clouds take');
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the VPC range change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified (plan: ${plan.expectedSeconds} s in the clouds)`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    assert.equal(done.verification.passed, true);
    assert.ok(done.verification.checks.some((c: any) => c.id === 'east-west.routable' && c.cluster === 'east' && c.pass), "east's east-west gateway is routable from Azure again");
    spec = next;

    const after = await vpcInEc2(e);
    assert.deepEqual(after.vpcs.map((v) => v.cidr), ['10.11.0.0/16'], 'EC2 shows one VPC of the mesh, with the new range');
    assert.notEqual(after.vpcs[0]!.id, before.vpcs[0]!.id, 'a new one');
    assert.ok(!after.everyVpcId.includes(before.vpcs[0]!.id), 'the old VPC is deleted');
    assert.deepEqual(after.subnets.map((s) => s.cidr).sort(), ['10.11.0.0/24', '10.11.1.0/24']);
    assert.ok(after.subnets.every((s) => s.vpcId === after.vpcs[0]!.id));
    const eksCluster = (await eksClient(e).send(new DescribeClusterCommand({ name: cellClusterName(MESH, 'east') }))).cluster;
    assert.equal(eksCluster?.resourcesVpcConfig?.vpcId, after.vpcs[0]!.id, 'EKS: the cluster is in the new VPC');
    assert.deepEqual([...(eksCluster?.resourcesVpcConfig?.subnetIds ?? [])].sort(), after.subnets.map((s) => s.id).sort(), 'in its subnets');
    const tunnels = await tunnelsInClouds(e);
    assert.deepEqual(tunnels.attachments.map((a) => a.vpcId), [after.vpcs[0]!.id], 'the new VPC is attached to the transit gateway');
    assert.deepEqual(tunnels.routeTargets, [tunnels.transitGateways[0]!.id], "the new VPC's route to Azure goes through the transit gateway");
    assert.deepEqual(tunnels.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
    assert.equal(tunnels.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
    await assertEastMadeAgain(e, spec, cluster, spec.cells[0].serviceCidr ?? '172.20.0.0/16');
  });

  test("a change of the VPC's range that fails part way (the new node group refused) rolls back: the new VPC and cluster deleted, a VPC with the old range made again with its subnets, the EKS cell in it, attached and routed; BGP Established and the mesh verified", async () => {
    const e = stack.endpoints();
    const before = await vpcInEc2(e);
    const next = structuredClone(spec);
    next.aws.vpc = { cidr: '10.12.0.0/16', subnets: [{ cidr: '10.12.0.0/24' }, { cidr: '10.12.1.0/24' }] };
    // After the new VPC and cluster exist: the cluster's node group is refused once, so the old one's is made again.
    await injectFault(e.aws, { operation: 'eks.CreateNodegroup', kind: 'error', status: 400, code: 'InvalidParameterException', message: 'simulated node group failure', count: 1, match: cellClusterName(MESH, 'east') });
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'RolledBack', JSON.stringify(done.change));
    assert.match(done.change.error, /simulated node group failure/);
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));

    const after = await vpcInEc2(e);
    assert.deepEqual(after.vpcs.map((v) => v.cidr), [before.vpcs[0]!.cidr], 'one VPC of the mesh, with the old range');
    assert.notEqual(after.vpcs[0]!.id, before.vpcs[0]!.id, 'made again: the one taken down is gone');
    assert.ok(!after.everyVpcId.includes(before.vpcs[0]!.id));
    assert.deepEqual(after.subnets.map((s) => s.cidr).sort(), before.subnets.map((s) => s.cidr).sort());
    const eksCluster = (await eksClient(e).send(new DescribeClusterCommand({ name: cellClusterName(MESH, 'east') }))).cluster;
    assert.deepEqual([...(eksCluster?.resourcesVpcConfig?.subnetIds ?? [])].sort(), after.subnets.map((s) => s.id).sort(), 'the EKS cluster is in the old range\'s subnets made again');
    const tunnels = await tunnelsInClouds(e);
    assert.deepEqual(tunnels.attachments.map((a) => a.vpcId), [after.vpcs[0]!.id]);
    assert.deepEqual(tunnels.routeTargets, [tunnels.transitGateways[0]!.id]);
    assert.deepEqual(tunnels.telemetry, ['UP', 'UP', 'UP', 'UP']);
    assert.equal(tunnels.connectedPeers, 4);
  });

  test("an allowed replacement of the EKS cell's service range: a new cluster with the new range, Istio, cacerts from the same root and remote secrets both ways made again; nothing of the old cluster is left", async () => {
    const e = stack.endpoints();
    const before = await eastCluster(e);
    const next = structuredClone(spec);
    next.cells[0].serviceCidr = '172.22.0.0/16';
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const cluster = accepted.body.plan.changes.find((c: any) => c.id === 'aws/eks-cluster/east');
    assert.deepEqual([cluster.action, cluster.fields.map((f: any) => f.field), cluster.expectedSeconds > 0, typeof cluster.interrupts], ['replace', ['serviceCidr'], true, 'string']);
    assert.equal(accepted.body.plan.summary.replace, 12, JSON.stringify(accepted.body.plan.summary));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    await assertEastMadeAgain(e, spec, before, '172.22.0.0/16');
  });

  test('a replacement that fails part way (the new node group refused) rolls back: the new cluster is deleted and the old one made again with the old range, its Istio, cacerts and remote secrets', async () => {
    const e = stack.endpoints();
    const before = await eastCluster(e);
    const next = structuredClone(spec);
    next.cells[0].serviceCidr = '172.23.0.0/16';
    // After the new cluster exists: its node group is refused once, so the old one's is made again.
    await injectFault(e.aws, { operation: 'eks.CreateNodegroup', kind: 'error', status: 400, code: 'InvalidParameterException', message: 'simulated node group failure', count: 1, match: cellClusterName(MESH, 'east') });
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'RolledBack', JSON.stringify(done.change));
    assert.match(done.change.error, /simulated node group failure/);
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    await assertEastMadeAgain(e, spec, before, '172.22.0.0/16');
  });

  test("an allowed replacement of the AKS cell's VM size: a new AKS cluster with the new size and a new API server, its Istio, cacerts and remote secrets both ways made again", async () => {
    const e = stack.endpoints();
    const before = await westCluster(e);
    const next = structuredClone(spec);
    next.cells[1].nodePool.vmSize = 'Standard_D8s_v5';
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.deepEqual(accepted.body.plan.changes.filter((c: any) => c.action === 'replace' && !c.replacedWith).map((c: any) => `${c.id} ${c.fields.map((f: any) => f.field)}`), ['azure/aks-cluster/west vmSize']);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await westCluster(e);
    assert.equal(after.vmSize, 'Standard_D8s_v5', 'ARM shows the new system pool VM size');
    assert.notEqual(after.systemUid, before.systemUid, 'its API server is a new one (a new kube-system namespace)');
    const configs = await cellConfigs(e, ['east', 'west']);
    const cacerts = await Promise.all([configs.east!, configs.west!].map((c) => core(c).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' })));
    assert.equal(new X509Certificate(text(cacerts[1]!, 'root-cert.pem')).fingerprint256, new X509Certificate(text(cacerts[0]!, 'root-cert.pem')).fingerprint256, 'one root');
    assert.deepEqual(await remoteSecretClusters(configs.west!), [cellClusterName(MESH, 'east')]);
    assert.deepEqual(await remoteSecretClusters(configs.east!), [cellClusterName(MESH, 'west')]);
    const pool = (await (await fetch(`${e.kube}/clusters`)).json()) as { clusters: { name: string }[] };
    assert.equal(pool.clusters.filter((c) => c.name === cellClusterName(MESH, 'west')).length, 1, 'one control plane for west in the kube pool');
  });

  test('a change that fails part way (the AKS pool resize refused) rolls back: the EKS node group it had resized is back, the cell it had added is gone from AWS and every cluster', async () => {
    const e = stack.endpoints();
    const next = structuredClone(spec);
    next.cells.push(NORTH);
    next.cells[0].nodePool.count = 4;
    next.cells[1].nodePool.count = 4;
    // Updates run after the creates, the node group before the AKS cluster (domain/change-steps.ts): the fault hits last.
    await injectFault(e.azure, { operation: 'managedClusters.createOrUpdate', kind: 'error', status: 400, code: 'InvalidParameter', message: 'simulated update failure', count: 1, match: cellClusterName(MESH, 'west') });
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'RolledBack', JSON.stringify(done.change));
    assert.match(done.change.error, /simulated update failure/);
    assert.equal(done.phase, 'Ready');
    assert.deepEqual(await nodeCounts(e), { east: 3, west: 3 }, 'the EKS node group resized before the failure is back to its old size');
    await assertNoNorth(e);
    assert.deepEqual(done.clusters.map((c: any) => c.cell), ['east', 'west']);
  });

  test('a cell added to the running mesh: its EKS cluster, Istio, cacerts from the same root, remote secrets to and from every existing cell', async () => {
    const e = stack.endpoints();
    const next = structuredClone(spec);
    next.cells.push(NORTH);
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const configs = await cellConfigs(e, ['east', 'west', 'north']);
    const cacerts = await Promise.all(Object.values(configs).map((c) => core(c).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' })));
    const root = new X509Certificate(text(cacerts[0]!, 'root-cert.pem'));
    for (const secret of cacerts) {
      assert.equal(new X509Certificate(text(secret, 'root-cert.pem')).fingerprint256, root.fingerprint256, 'one root in every cell');
      assert.ok(new X509Certificate(text(secret, 'ca-cert.pem')).verify(root.publicKey), 'each intermediate is signed by the root');
    }
    for (const [cell, config] of Object.entries(configs)) {
      const names = await remoteSecretClusters(config);
      assert.deepEqual(names, ['east', 'west', 'north'].filter((c) => c !== cell).map((c) => cellClusterName(MESH, c)).sort(), `${cell} holds a remote secret for every other cell`);
    }

    // What the clouds take for the new resources alone: the lower bound of any schedule.
    const graph = meshGraph(valid(next), CURRENT_NAMING);
    const created = new Set(accepted.body.plan.changes.filter((c: any) => c.action === 'create').map((c: any) => c.id));
    const path = criticalPath({ nodes: graph.nodes.filter((n) => created.has(n.id)).map((n) => ({ ...n, dependsOn: n.dependsOn.filter((d) => created.has(d)) })) }, (n) => cloudLatency(n.kind).create);
    console.log(`adding cell north: ${seconds.toFixed(1)} s on the stack (time scale ${e.timeScale}); critical path of its ${created.size} new resources ${path.total} s in the clouds (${(path.total / e.timeScale).toFixed(1)} s scaled): ${path.chain.join(' → ')}`);
  });

  test('traffic policies: one added and one changed, then one removed; the DestinationRules in every cluster follow', async () => {
    const e = stack.endpoints();
    const next = structuredClone(spec);
    next.trafficPolicies[0].outlierDetection.consecutive5xxErrors = 3;
    next.trafficPolicies.push({ name: 'ratings-failover', host: 'ratings.default.svc.cluster.local', failoverPriority: ['topology.istio.io/network'], outlierDetection: { consecutive5xxErrors: 2, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 100 } });
    await applied(e, next);
    const configs = await cellConfigs(e, ['east', 'west', 'north']);
    for (const [cell, config] of Object.entries(configs)) {
      const rules = await destinationRules(config);
      assert.deepEqual(Object.keys(rules).sort(), ['ratings-failover', 'reviews-failover'], cell);
      assert.equal(rules['reviews-failover'].spec.trafficPolicy.outlierDetection.consecutive5xxErrors, 3, `${cell}: the changed policy`);
      assert.equal(rules['ratings-failover'].spec.host, 'ratings.default.svc.cluster.local');
    }
    spec = next;

    const fewer = structuredClone(spec);
    fewer.trafficPolicies = fewer.trafficPolicies.filter((p: any) => p.name !== 'reviews-failover');
    await applied(e, fewer);
    for (const [cell, config] of Object.entries(configs)) assert.deepEqual(Object.keys(await destinationRules(config)), ['ratings-failover'], cell);
    spec = fewer;
  });

  test('the rotation interval changed: the Temporal schedule rotates at the new interval', async () => {
    const e = stack.endpoints();
    const before = await temporal.schedule.getHandle(`rotation-schedule-${MESH}`).describe();
    assert.deepEqual(before.spec.intervals?.map((i) => i.every), [720 * 3600_000]);
    const next = structuredClone(spec);
    next.pki = { ...next.pki, rotation: { ...next.pki?.rotation, intervalHours: 168 } };
    await applied(e, next);
    const schedule = await temporal.schedule.getHandle(`rotation-schedule-${MESH}`).describe();
    assert.deepEqual(schedule.spec.intervals?.map((i) => i.every), [168 * 3600_000]);
    assert.equal((schedule.action as any).args[0].spec.cells.length, 3, 'its rotations run with the spec of all three cells');
    spec = next;
  });

  test('a cell removed: its remote secrets gone from every other cell, its cluster and roles gone from AWS; then DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    const next = structuredClone(spec);
    next.cells = next.cells.filter((c: any) => c.name !== 'north');
    await applied(e, next);
    const configs = await cellConfigs(e, ['east', 'west']);
    for (const [cell, config] of Object.entries(configs)) {
      assert.deepEqual(await remoteSecretClusters(config), ['east', 'west'].filter((c) => c !== cell).map((c) => cellClusterName(MESH, c)), cell);
    }
    await assertNoNorth(e);

    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, MESH), []);
  });
});

function valid(raw: unknown) {
  const result = validateSpec(raw);
  assert.ok(result.ok);
  return result.spec;
}

async function applied(e: Endpoints, next: unknown): Promise<any> {
  const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
  assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
  assert.equal(done.phase, 'Ready');
  return done;
}

/** The tunnels as the clouds show them: EC2's transit gateway, its VPC attachment, the VPC's route to Azure, customer gateways, VPN connections and telemetry of the mesh; ARM's gateway ASN, local gateways and BGP peers. */
async function tunnelsInClouds(e: Endpoints) {
  const ec2 = new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }];
  const alive = (state: string | undefined) => state !== 'deleted' && state !== 'deleting';
  const cgws = ((await ec2.send(new DescribeCustomerGatewaysCommand({ Filters }))).CustomerGateways ?? []).filter((c) => alive(c.State));
  const vpns = ((await ec2.send(new DescribeVpnConnectionsCommand({ Filters }))).VpnConnections ?? []).filter((v) => alive(v.State));
  const tgws = ((await ec2.send(new DescribeTransitGatewaysCommand({ Filters }))).TransitGateways ?? []).filter((g) => alive(g.State));
  const attachments = ((await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters }))).TransitGatewayVpcAttachments ?? []).filter((a) => alive(a.State));
  const vpcIds = ((await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs ?? []).map((v) => v.VpcId!);
  const tables = vpcIds.length > 0 ? ((await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: vpcIds }] }))).RouteTables ?? []) : [];
  const azureCidr = exampleSpec('cells', { name: MESH }).azure.vnet.cidr;
  const network = new NetworkManagementClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
  const group = `cellbridge-${MESH}`;
  const gatewayName = backboneNames(MESH).vpnGateway;
  const localGatewayIps: string[] = [];
  const localGatewayAsns: number[] = [];
  const localGatewayPeers: string[] = [];
  for await (const local of network.localNetworkGateways.list(group)) {
    localGatewayIps.push(local.gatewayIpAddress ?? '');
    localGatewayAsns.push(local.bgpSettings?.asn ?? 0);
    localGatewayPeers.push(local.bgpSettings?.bgpPeeringAddress ?? '');
  }
  // Every custom BGP address the connections give the gateway's instances (each gives both: its tunnel's, and one of the other instance's).
  const connectionAddresses: string[][] = [];
  for await (const c of network.virtualNetworkGatewayConnections.list(group)) connectionAddresses.push((c.gatewayCustomBgpIpAddresses ?? []).map((a) => a.customBgpIpAddress));
  const gateway = await network.virtualNetworkGateways.get(group, gatewayName);
  const peers = await network.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(group, gatewayName);
  const tunnels = vpns.flatMap((v) => v.Options?.TunnelOptions ?? []);
  const gatewayCustomBgp = (gateway.bgpSettings?.bgpPeeringAddresses ?? []).map((b) => [...(b.customBgpIpAddresses ?? [])].sort());
  return {
    gatewayId: gateway.id,
    insideCidrs: tunnels.map((tunnel) => tunnel.TunnelInsideCidr ?? '').sort(),
    gatewayCustomBgp,
    localGatewayPeers: localGatewayPeers.sort(),
    connectionCustomBgp: [...new Set(connectionAddresses.flat())].sort(),
    customerGateways: cgws.map((c) => ({ id: c.CustomerGatewayId!, asn: c.BgpAsn })).sort((a, b) => a.id.localeCompare(b.id)),
    vpnConnections: vpns.map((v) => ({ id: v.VpnConnectionId!, customerGatewayId: v.CustomerGatewayId!, transitGatewayId: v.TransitGatewayId })),
    transitGateways: tgws.map((g) => ({ id: g.TransitGatewayId!, asn: g.Options?.AmazonSideAsn })),
    attachments: attachments.map((a) => ({ id: a.TransitGatewayAttachmentId!, transitGatewayId: a.TransitGatewayId, vpcId: a.VpcId })),
    routeTargets: tables.flatMap((table) => (table.Routes ?? []).filter((r) => r.DestinationCidrBlock === azureCidr).map((r) => r.TransitGatewayId ?? r.GatewayId ?? 'another target')),
    outsideIps: tunnels.map((tunnel) => tunnel.OutsideIpAddress ?? '').sort(),
    telemetry: vpns.flatMap((v) => (v.VgwTelemetry ?? []).map((t) => t.Status)),
    gatewayAsn: gateway.bgpSettings?.asn,
    localGatewayIps: localGatewayIps.sort(),
    localGatewayAsns,
    connectedPeers: new Set((peers.value ?? []).filter((p) => p.state === 'Connected').map((p) => p.neighbor)).size,
  };
}

/** The mesh's VPC and subnets as EC2 shows them, and the ID of every VPC EC2 has. */
async function vpcInEc2(e: Endpoints) {
  const ec2 = new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }];
  const vpcs = ((await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs ?? []).map((v) => ({ id: v.VpcId!, cidr: v.CidrBlock }));
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters }))).Subnets ?? []).map((s) => ({ id: s.SubnetId!, cidr: s.CidrBlock, vpcId: s.VpcId }));
  const everyVpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
  return { vpcs, subnets, everyVpcId: everyVpc.map((v) => v.VpcId!) };
}


/** East is a new cluster with `serviceCidr`, its Istio, cacerts and remote secrets both ways made again, and nothing of `before` is left. */
async function assertEastMadeAgain(e: Endpoints, spec: any, before: Awaited<ReturnType<typeof eastCluster>>, serviceCidr: string): Promise<void> {
  const after = await eastCluster(e);
  assert.equal(after.serviceCidr, serviceCidr, 'EKS shows the service range');
  assert.notEqual(after.issuer, before.issuer, 'EKS made a new cluster (a new OIDC issuer)');
  assert.notEqual(after.systemUid, before.systemUid, 'its API server is a new one (a new kube-system namespace)');
  assert.ok(after.kubernetesServiceIp?.startsWith(serviceCidr.split('.').slice(0, 2).join('.') + '.'), `the API server allocates from ${serviceCidr}: ${after.kubernetesServiceIp}`);
  await assert.rejects(core(before.config).readNamespace({ name: 'kube-system' }), 'the old API server is gone');

  const configs = await cellConfigs(e, ['east', 'west']);
  const [east, west] = await Promise.all([configs.east!, configs.west!].map((c) => core(c).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' })));
  const root = new X509Certificate(text(west!, 'root-cert.pem'));
  assert.equal(new X509Certificate(text(east!, 'root-cert.pem')).fingerprint256, root.fingerprint256, "the new cluster's cacerts hold the mesh's root");
  assert.ok(new X509Certificate(text(east!, 'ca-cert.pem')).verify(root.publicKey), 'its intermediate is signed by that root');
  const istiod = await configs.east!.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
  assert.ok((istiod.status?.readyReplicas ?? 0) > 0, 'istiod runs in the new cluster');
  assert.deepEqual(await remoteSecretClusters(configs.east!), [cellClusterName(MESH, 'west')], 'the new cluster holds the remote secret for west');
  assert.deepEqual(await remoteSecretClusters(configs.west!), [cellClusterName(MESH, 'east')], 'west holds one remote secret for east');
  // West's istiod reads the new cluster with the secret's kubeconfig: it names the new API server and its CA.
  const { items } = await core(configs.west!).listNamespacedSecret({ namespace: 'istio-system', labelSelector: 'istio/multiCluster=true' });
  const reader = new KubeConfig();
  reader.loadFromString(text(items[0]!, cellClusterName(MESH, 'east')));
  assert.deepEqual([reader.getCurrentCluster()?.server, reader.getCurrentCluster()?.caData], [after.config.getCurrentCluster()?.server, after.config.getCurrentCluster()?.caData]);

  const eks = eksClient(e);
  assert.deepEqual(((await eks.send(new ListClustersCommand({}))).clusters ?? []).filter((c) => c === cellClusterName(MESH, 'east')), [cellClusterName(MESH, 'east')], 'one EKS cluster for east');
  assert.equal(((await eks.send(new ListNodegroupsCommand({ clusterName: cellClusterName(MESH, 'east') }))).nodegroups ?? []).length, 1, 'one node group');
  const pool = (await (await fetch(`${e.kube}/clusters`)).json()) as { clusters: { name: string }[] };
  assert.equal(pool.clusters.filter((c) => c.name === cellClusterName(MESH, 'east')).length, 1, 'one control plane for east in the kube pool');
  assert.deepEqual(await nodeCounts(e), { east: spec.cells[0].nodePool.count, west: spec.cells[1].nodePool.count }, "the node group is made with the spec's count");
}


/** The west cell's cluster as ARM and its own API server show it. */
async function westCluster(e: Endpoints): Promise<{ vmSize?: string; systemUid?: string }> {
  const aks = new ContainerServiceClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
  const managed = await aks.managedClusters.get(`cellbridge-${MESH}`, cellClusterName(MESH, 'west'));
  const system = await core((await cellConfigs(e, ['west'])).west!).readNamespace({ name: 'kube-system' });
  return { vmSize: managed.agentPoolProfiles?.find((p) => p.mode === 'System')?.vmSize, systemUid: system.metadata?.uid };
}

function eksClient(e: Endpoints): EKSClient {
  return new EKSClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

/** The east cell's cluster as EKS and its own API server show it. */
async function eastCluster(e: Endpoints): Promise<{ serviceCidr?: string; issuer?: string; systemUid?: string; kubernetesServiceIp?: string; config: KubeConfig }> {
  const cluster = (await eksClient(e).send(new DescribeClusterCommand({ name: cellClusterName(MESH, 'east') }))).cluster;
  const config = (await cellConfigs(e, ['east'])).east!;
  const [system, service] = await Promise.all([core(config).readNamespace({ name: 'kube-system' }), core(config).readNamespacedService({ name: 'kubernetes', namespace: 'default' })]);
  return { serviceCidr: cluster?.kubernetesNetworkConfig?.serviceIpv4Cidr, issuer: cluster?.identity?.oidc?.issuer, systemUid: system.metadata?.uid, kubernetesServiceIp: service.spec?.clusterIP, config };
}

async function nodeCounts(e: Endpoints): Promise<{ east: number | undefined; west: number | undefined }> {
  const eks = new EKSClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const cluster = cellClusterName(MESH, 'east');
  const [name] = (await eks.send(new ListNodegroupsCommand({ clusterName: cluster }))).nodegroups ?? [];
  const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name }))).nodegroup;
  const aks = new ContainerServiceClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
  const managed = await aks.managedClusters.get(`cellbridge-${MESH}`, cellClusterName(MESH, 'west'));
  return { east: group?.scalingConfig?.desiredSize, west: managed.agentPoolProfiles?.find((p) => p.mode === 'System')?.count };
}

/** Nothing of cell north in AWS (cluster, roles) nor in the other cells (remote secrets for it). */
async function assertNoNorth(e: Endpoints): Promise<void> {
  const north = cellClusterName(MESH, 'north');
  const eks = new EKSClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  assert.deepEqual(((await eks.send(new ListClustersCommand({}))).clusters ?? []).filter((c) => c === north), [], 'no EKS cluster of cell north');
  const iam = new IAMClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  assert.deepEqual(((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).filter((n) => n?.includes(north)), [], 'no IAM role of cell north');
  for (const [cell, config] of Object.entries(await cellConfigs(e, ['east', 'west']))) {
    assert.ok(!(await remoteSecretClusters(config)).includes(north), `${cell} holds no remote secret for north`);
  }
}

async function cellConfigs(e: Endpoints, cells: string[]): Promise<Record<string, KubeConfig>> {
  const cloud = (cell: string) => (cell === 'west' ? 'azure' : 'aws');
  const spec = { name: MESH, aws: { region: 'us-east-1' }, azure: { subscriptionId: SUB, location: 'eastus' } };
  return Object.fromEntries(await Promise.all(cells.map(async (cell) => [cell, await cellKubeConfig(e, spec, cell, cloud(cell))] as const)));
}

/** The clusters a cell's istiod is told about: the Istio cluster annotation of each multicluster secret. */
async function remoteSecretClusters(config: KubeConfig): Promise<string[]> {
  const { items } = await core(config).listNamespacedSecret({ namespace: 'istio-system', labelSelector: 'istio/multiCluster=true' });
  return items.map((s) => s.metadata?.annotations?.['networking.istio.io/cluster'] ?? `unannotated ${s.metadata?.name}`).sort();
}

async function destinationRules(config: KubeConfig): Promise<Record<string, any>> {
  const list = (await config.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'networking.istio.io', version: 'v1', plural: 'destinationrules' })) as { items: any[] };
  return Object.fromEntries(list.items.map((r) => [r.metadata.name, r]));
}
