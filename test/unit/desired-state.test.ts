/**
 * Desired state against what a cloud or cluster reports, per resource kind, with no emulator:
 * the same `domain/*-parameters.ts` function builds the handler's request and judges drift, so
 * a row here is both "what is sent" and "what counts as drifted". Params come from the cells
 * example's real graph.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { connectionDrift, connectionParameters, type ObservedConnection } from '../../domain/azure-connection-parameters.ts';
import { cacertsDrift, type ObservedCacerts } from '../../domain/cacerts-parameters.ts';
import { customerGatewayDrift, customerGatewayParameters, type ObservedCustomerGateway } from '../../domain/customer-gateway-parameters.ts';
import { shown as shownValue, type FieldDrift } from '../../domain/drift.ts';
import { localGatewayDrift, localGatewayParameters, type ObservedLocalGateway } from '../../domain/local-gateway-parameters.ts';
import { manifestDrift } from '../../domain/manifest-parameters.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { nodegroupDrift, nodegroupParameters, nodegroupResized, type ObservedNodegroup } from '../../domain/nodegroup-parameters.ts';
import { remoteSecretDrift, remoteSecretObject, type ObservedRemoteSecret } from '../../domain/remote-secret-parameters.ts';
import { secretFingerprint } from '../../domain/secret-fingerprint.ts';
import { nodeById } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { vpnGatewayDrift, vpnGatewayParameters, type ObservedVpnGateway } from '../../domain/vpn-gateway-parameters.ts';
import { keyFingerprints, vpnConnectionDrift, vpnConnectionParameters, vpnTunnelRepairs, type ObservedVpnConnection } from '../../domain/vpn-connection-parameters.ts';

const spec = (() => {
  const result = validateSpec(JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8')));
  assert.ok(result.ok);
  return result.spec;
})();
const graph = meshGraph(spec, CURRENT_NAMING);
const params = <P>(id: string) => nodeById(graph, id).params as P;
const shown = (drifts: FieldDrift[]) => drifts.map((d) => `${d.field}: ${d.expected} → ${d.actual}`);

describe('EKS node group', () => {
  const p = params<Parameters<typeof nodegroupParameters>[0]>('aws/eks-nodegroup/east');
  test('the create and update send a fixed size of the spec\'s count and its instance type', () => {
    assert.deepEqual(nodegroupParameters(p), { scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 }, instanceTypes: ['m6i.large'] });
  });
  const rows: [string, ObservedNodegroup, string[], boolean][] = [
    ['as the spec says', { scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 }, instanceTypes: ['m6i.large'] }, [], false],
    ['scaled by hand', { scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 3 }, instanceTypes: ['m6i.large'] }, ['scalingConfig.desiredSize: 2 → 3', 'scalingConfig.minSize: 2 → 1', 'scalingConfig.maxSize: 2 → 3'], true],
    ['another instance type (not resizable: the plan replaces a group for it)', { scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 }, instanceTypes: ['t3.small'] }, ['instanceTypes: ["m6i.large"] → ["t3.small"]'], false],
    ['nothing reported', {}, ['scalingConfig.desiredSize: 2 → absent', 'scalingConfig.minSize: 2 → absent', 'scalingConfig.maxSize: 2 → absent', 'instanceTypes: ["m6i.large"] → absent'], true],
  ];
  for (const [what, observed, expected, resized] of rows) {
    test(`${what}: ${expected.length} drift(s), ${resized ? '' : 'no '}resize`, () => {
      assert.deepEqual(shown(nodegroupDrift(p, observed)), expected);
      assert.equal(nodegroupResized(p, observed), resized);
    });
  }
});

describe('Azure connection', () => {
  const p = params<Parameters<typeof connectionParameters>[0]>('azure/connection/1');
  const gw = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/cells-vpngw';
  const inputs = { gatewayId: gw, localGatewayId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/localNetworkGateways/cells-aws-t1', ipConfigurationIds: [`${gw}/ipConfigurations/ipcfg0`, `${gw}/ipConfigurations/ipcfg1`] as [string, string], sharedKey: 'TheAwsTunnelKey_0123456789' };
  const desired = connectionParameters(p, inputs);
  // What ARM returns: no key, IDs in another case, extra read-only fields.
  const { sharedKey: _key, ...returned } = desired;
  const asArm: ObservedConnection = { ...returned, virtualNetworkGateway1: { id: gw.toUpperCase() }, ipsecPolicies: [{ ...desired.ipsecPolicies[0] }] };
  test('the PUT body: IKEv2 with BGP, the AWS tunnel\'s key, custom BGP addresses on both instances, the pinned policy', () => {
    assert.equal(desired.sharedKey, inputs.sharedKey);
    assert.deepEqual(desired.gatewayCustomBgpIpAddresses.map((b) => b.ipConfigurationId), inputs.ipConfigurationIds);
    assert.deepEqual(desired.gatewayCustomBgpIpAddresses.map((b) => b.customBgpIpAddress), p.customBgpAddresses);
    assert.equal(desired.ipsecPolicies[0]?.pfsGroup, 'PFS2048');
  });
  const rows: [string, ObservedConnection, string | undefined, string[]][] = [
    ['as the PUT sent it (IDs in another case)', asArm, inputs.sharedKey, []],
    ['its key changed on one side', asArm, 'SomeOtherKey_0123456789', [`sharedKey: ${secretFingerprint(inputs.sharedKey)} → ${secretFingerprint('SomeOtherKey_0123456789')}`]],
    ['its key unreadable', asArm, undefined, [`sharedKey: ${secretFingerprint(inputs.sharedKey)} → absent`]],
    ['Azure\'s default quick mode (PFS none)', { ...asArm, ipsecPolicies: [{ ...desired.ipsecPolicies[0], pfsGroup: 'None' }] }, inputs.sharedKey, ['ipsecPolicies.0.pfsGroup: PFS2048 → None']],
    ['its policy removed', { ...asArm, ipsecPolicies: [] }, inputs.sharedKey, [`ipsecPolicies: ${shownValue(desired.ipsecPolicies)} → []`]],
    ['BGP switched off', { ...asArm, enableBgp: false }, inputs.sharedKey, ['enableBgp: true → false']],
    ['a custom BGP address lost', { ...asArm, gatewayCustomBgpIpAddresses: desired.gatewayCustomBgpIpAddresses.slice(0, 1) }, inputs.sharedKey, [`gatewayCustomBgpIpAddresses.ipcfg1: ${p.customBgpAddresses[1]} → absent`]],
  ];
  for (const [what, observed, key, expected] of rows) {
    test(`${what}: ${expected.length} drift(s)`, () => {
      const drifts = connectionDrift(desired, observed, key);
      assert.deepEqual(shown(drifts), expected);
      assert.ok(!JSON.stringify(drifts).includes(inputs.sharedKey) && !JSON.stringify(drifts).includes('SomeOtherKey'), 'keys only as fingerprints');
    });
  }
});

describe('AWS VPN connection', () => {
  const p = params<Parameters<typeof vpnConnectionParameters>[0]>('aws/vpn-connection/0');
  const desired = vpnConnectionParameters(p, 'cgw-0aa', 'tgw-0bb');
  const KEYS = ['FirstTunnelKey_0123456789', 'SecondTunnelKey_0123456789'];
  // What EC2 returns: response member names (IkeVersions, DpdTimeoutSeconds), the keys, fields the request never sets.
  const asEc2 = (keys = KEYS): ObservedVpnConnection & { Options: { TunnelOptions: object[] } } => ({
    Type: 'ipsec.1',
    CustomerGatewayId: 'cgw-0aa',
    TransitGatewayId: 'tgw-0bb',
    Options: {
      StaticRoutesOnly: false,
      TunnelInsideIpVersion: 'ipv4',
      TunnelOptions: desired.Options.TunnelOptions.map(({ IKEVersions, DPDTimeoutSeconds, ...t }, i) => ({ ...t, IkeVersions: IKEVersions, DpdTimeoutSeconds: DPDTimeoutSeconds, PreSharedKey: keys[i], OutsideIpAddress: `198.51.100.${i + 1}`, RekeyFuzzPercentage: 100 })),
    },
  });
  const recorded = keyFingerprints(asEc2());
  test('the create sends the customer gateway and Transit Gateway it was built on, BGP (no static routes), the planned inside CIDRs and the pinned policy; keys are added by the create', () => {
    assert.deepEqual([desired.CustomerGatewayId, desired.TransitGatewayId, desired.Options.StaticRoutesOnly], ['cgw-0aa', 'tgw-0bb', false]);
    assert.deepEqual(desired.Options.TunnelOptions.map((t) => t.TunnelInsideCidr), p.tunnels.map((t) => t.insideCidr));
    assert.ok(desired.Options.TunnelOptions.every((t) => t.Phase1DHGroupNumbers[0]?.Value === 14 && !('PreSharedKey' in t)));
  });
  test('its output records each tunnel\'s key as a fingerprint under its inside CIDR, never the key', () => {
    assert.deepEqual(Object.values(recorded), KEYS.map(secretFingerprint));
    assert.ok(!KEYS.some((k) => JSON.stringify(recorded).includes(k)));
  });
  const [cidr0, cidr1] = p.tunnels.map((t) => t.insideCidr);
  const tunnel = (i: number, change: object) => {
    const observed = asEc2();
    observed.Options.TunnelOptions[i] = { ...observed.Options.TunnelOptions[i], ...change };
    return observed;
  };
  const rows: [string, ObservedVpnConnection, Record<string, string>, string[]][] = [
    ['as the create sent it', asEc2(), recorded, []],
    ['a key changed by hand', asEc2([KEYS[0]!, 'ChangedByHand_0123456789']), recorded, [`tunnel ${cidr1} PreSharedKey: ${secretFingerprint(KEYS[1])} → ${secretFingerprint('ChangedByHand_0123456789')}`]],
    ['a key changed, but the output was recorded before fingerprints were: the key is not judged', asEc2([KEYS[0]!, 'ChangedByHand_0123456789']), {}, []],
    ['moved to another customer gateway and Transit Gateway', { ...asEc2(), CustomerGatewayId: 'cgw-0cc', TransitGatewayId: 'tgw-0dd' }, recorded, ['CustomerGatewayId: cgw-0aa → cgw-0cc', 'TransitGatewayId: tgw-0bb → tgw-0dd']],
    ['switched to static routes', { ...asEc2(), Options: { ...asEc2().Options, StaticRoutesOnly: true } }, recorded, ['Options.StaticRoutesOnly: false → true']],
    ['a tunnel on another inside CIDR', tunnel(0, { TunnelInsideCidr: '169.254.30.0/30' }), recorded, [`Options.TunnelOptions.TunnelInsideCidr: ${JSON.stringify([cidr0, cidr1].sort())} → ${JSON.stringify(['169.254.30.0/30', cidr1].sort())}`]],
    ['a tunnel\'s policy opened to every algorithm (AWS\'s default)', tunnel(0, { Phase1EncryptionAlgorithms: [], IkeVersions: [{ Value: 'ikev1' }, { Value: 'ikev2' }] }), recorded, [`tunnel ${cidr0} IkeVersions: ["ikev2"] → ["ikev1","ikev2"]`, `tunnel ${cidr0} Phase1EncryptionAlgorithms: ["AES256"] → []`]],
    ['a tunnel left to wait for Azure to start IKE', tunnel(1, { StartupAction: 'add', DpdTimeoutSeconds: 40 }), recorded, [`tunnel ${cidr1} DpdTimeoutSeconds: 30 → 40`, `tunnel ${cidr1} StartupAction: start → add`]],
  ];
  for (const [what, observed, keys, expected] of rows) {
    test(`${what}: ${expected.length} drift(s)`, () => {
      const drifts = vpnConnectionDrift(desired, observed, keys);
      assert.deepEqual(shown(drifts), expected);
      assert.ok(![...KEYS, 'ChangedByHand'].some((k) => JSON.stringify(drifts).includes(k)), 'keys only as fingerprints');
    });
  }
  const { TunnelInsideCidr: _cidr, ...pinned } = desired.Options.TunnelOptions[0]!;
  const repairRows: [string, ObservedVpnConnection, { insideCidr: string; outsideIp: string }[]][] = [
    ['as the create sent it', asEc2(), []],
    ['a key changed by hand: nothing to send (the key is recorded, not put back)', asEc2([KEYS[0]!, 'ChangedByHand_0123456789']), []],
    ['moved to another customer gateway: not a tunnel option', { ...asEc2(), CustomerGatewayId: 'cgw-0cc' }, []],
    ['one tunnel\'s policy opened to every algorithm', tunnel(0, { Phase1EncryptionAlgorithms: [], IkeVersions: [{ Value: 'ikev1' }, { Value: 'ikev2' }] }), [{ insideCidr: cidr0!, outsideIp: '198.51.100.1' }]],
    ['both tunnels changed (one a lifetime, one its startup action)', (() => {
      const both = tunnel(0, { Phase2LifetimeSeconds: 1800 });
      both.Options.TunnelOptions[1] = { ...both.Options.TunnelOptions[1], StartupAction: 'add' };
      return both;
    })(), [{ insideCidr: cidr0!, outsideIp: '198.51.100.1' }, { insideCidr: cidr1!, outsideIp: '198.51.100.2' }]],
  ];
  for (const [what, observed, expected] of repairRows) {
    test(`repair in place, ${what}: ${expected.length} ModifyVpnTunnelOptions, each the whole pinned policy and no key`, () => {
      const repairs = vpnTunnelRepairs(desired, observed);
      assert.deepEqual(repairs.map(({ insideCidr, outsideIp }) => ({ insideCidr, outsideIp })), expected);
      for (const r of repairs) {
        assert.deepEqual(r.options, pinned);
        assert.ok(!('PreSharedKey' in r.options) && !('TunnelInsideCidr' in r.options));
      }
    });
  }
  // New backbone.tunnelInsideCidrs on a live mesh, or one changed by hand: the tunnel's outside IP stays, its inside CIDR is modified.
  const cidrRows: [string, ObservedVpnConnection, { outsideIp: string; options: object }[]][] = [
    ['a tunnel on another inside CIDR (and its policy changed): the planned CIDR and the whole policy sent for it', tunnel(0, { TunnelInsideCidr: '169.254.30.0/30', StartupAction: 'add' }), [{ outsideIp: '198.51.100.1', options: { ...pinned, TunnelInsideCidr: cidr0 } }]],
    [
      'both tunnels on CIDRs no longer planned: each takes a planned one, in order',
      (() => {
        const both = tunnel(0, { TunnelInsideCidr: '169.254.30.0/30' });
        both.Options.TunnelOptions[1] = { ...both.Options.TunnelOptions[1], TunnelInsideCidr: '169.254.30.4/30' };
        return both;
      })(),
      [{ outsideIp: '198.51.100.1', options: { ...pinned, TunnelInsideCidr: cidr0 } }, { outsideIp: '198.51.100.2', options: { ...pinned, TunnelInsideCidr: cidr1 } }],
    ],
    [
      "the tunnels on each other's CIDRs: nothing sent (a tunnel keeps a planned CIDR it has)",
      (() => {
        const swapped = tunnel(0, { TunnelInsideCidr: cidr1 });
        swapped.Options.TunnelOptions[1] = { ...swapped.Options.TunnelOptions[1], TunnelInsideCidr: cidr0 };
        return swapped;
      })(),
      [],
    ],
  ];
  for (const [what, observed, expected] of cidrRows) {
    test(`inside CIDR in place, ${what}`, () => {
      assert.deepEqual(vpnTunnelRepairs(desired, observed).map(({ outsideIp, options }) => ({ outsideIp, options })), expected);
    });
  }
});

describe('AWS customer gateway', () => {
  const p = params<Parameters<typeof customerGatewayParameters>[0]>('aws/customer-gateway/1');
  const desired = customerGatewayParameters(p, '20.0.0.11');
  test('the create sends an IPsec gateway at the Azure instance\'s public IP with the Azure gateway\'s ASN', () => {
    assert.deepEqual(desired, { Type: 'ipsec.1', IpAddress: '20.0.0.11', BgpAsn: p.bgpAsn, DeviceName: p.name });
  });
  test('an ASN above 2147483647 goes in BgpAsnExtended', () => {
    assert.deepEqual(customerGatewayParameters({ ...p, bgpAsn: 4200000000 }, '20.0.0.11'), { Type: 'ipsec.1', IpAddress: '20.0.0.11', BgpAsnExtended: 4200000000, DeviceName: p.name });
  });
  const asEc2: ObservedCustomerGateway = { Type: 'ipsec.1', IpAddress: '20.0.0.11', BgpAsn: String(p.bgpAsn) };
  const rows: [string, ObservedCustomerGateway, string[]][] = [
    ['as the create sent it (EC2 answers the ASN as a string)', asEc2, []],
    ['a 4-byte ASN answered in BgpAsnExtended', { ...asEc2, BgpAsn: undefined, BgpAsnExtended: String(p.bgpAsn) }, []],
    ['made again by hand at another address', { ...asEc2, IpAddress: '20.0.0.99' }, ['IpAddress: 20.0.0.11 → 20.0.0.99']],
    ['made again by hand with another ASN', { ...asEc2, BgpAsn: '65000' }, [`BgpAsn: ${p.bgpAsn} → 65000`]],
  ];
  for (const [what, observed, expected] of rows) test(`${what}: ${expected.length} drift(s)`, () => assert.deepEqual(shown(customerGatewayDrift(desired, observed)), expected));
});

describe('Azure local network gateway', () => {
  const p = params<Parameters<typeof localGatewayParameters>[0]>('azure/local-gateway/2');
  const desired = localGatewayParameters(p, '203.0.113.10');
  test('the PUT body: AWS\'s outside IP, no address space, AWS\'s .1 as BGP peer', () => {
    assert.deepEqual(desired, { gatewayIpAddress: '203.0.113.10', localNetworkAddressSpace: { addressPrefixes: [] }, bgpSettings: { asn: 64512, bgpPeeringAddress: p.tunnel.awsBgpAddress } });
  });
  const rows: [string, ObservedLocalGateway, string[]][] = [
    ['as sent', structuredClone(desired), []],
    ['pointing at the address of an AWS VPN connection made again since', { ...structuredClone(desired), gatewayIpAddress: '203.0.113.99' }, ['gatewayIpAddress: 203.0.113.10 → 203.0.113.99']],
    ['peering with Azure\'s own .2', { ...structuredClone(desired), bgpSettings: { asn: 64512, bgpPeeringAddress: '169.254.21.6' } }, [`bgpSettings.bgpPeeringAddress: ${p.tunnel.awsBgpAddress} → 169.254.21.6`]],
    ['an address prefix entered by hand', { ...structuredClone(desired), localNetworkAddressSpace: { addressPrefixes: ['10.10.0.0/16'] } }, ['localNetworkAddressSpace.addressPrefixes: [] → ["10.10.0.0/16"]']],
  ];
  for (const [what, observed, expected] of rows) test(`${what}: ${expected.length} drift(s)`, () => assert.deepEqual(shown(localGatewayDrift(desired, observed)), expected));
});

describe('Azure VPN gateway', () => {
  const p = params<Parameters<typeof vpnGatewayParameters>[0]>('azure/vpn-gateway');
  const gatewayId = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworkGateways/gw';
  const desired = vpnGatewayParameters(p, { gatewayId, subnetId: 'subnet-id', publicIpIds: ['pip-0', 'pip-1'] });
  const [first, second] = p.instanceBgpAddresses;
  test('the PUT body: active-active with BGP, the spec\'s ASN, and each instance\'s custom APIPA addresses on its own IP configuration', () => {
    assert.deepEqual([desired.active, desired.enableBgp, desired.bgpSettings.asn], [true, true, spec.azure.gatewayAsn]);
    assert.deepEqual(desired.ipConfigurations.map((c) => [c.name, c.publicIPAddress.id, c.subnet.id]), [['ipcfg0', 'pip-0', 'subnet-id'], ['ipcfg1', 'pip-1', 'subnet-id']]);
    assert.deepEqual(desired.bgpSettings.bgpPeeringAddresses, [
      { ipconfigurationId: `${gatewayId}/ipConfigurations/ipcfg0`, customBgpIpAddresses: first },
      { ipconfigurationId: `${gatewayId}/ipConfigurations/ipcfg1`, customBgpIpAddresses: second },
    ]);
  });
  /** As ARM returns it: the IDs in ARM's own case, defaults beside the custom addresses, the addresses in another order. */
  const asArm = (): ObservedVpnGateway & { bgpSettings: { bgpPeeringAddresses: { ipconfigurationId: string; customBgpIpAddresses: string[] }[] } } => ({
    active: true,
    enableBgp: true,
    bgpSettings: {
      asn: spec.azure.gatewayAsn,
      bgpPeeringAddresses: [
        { ipconfigurationId: `${gatewayId}/ipConfigurations/ipcfg0`.toUpperCase(), customBgpIpAddresses: [...first].reverse() },
        { ipconfigurationId: `${gatewayId}/ipConfigurations/ipcfg1`, customBgpIpAddresses: [...second] },
      ],
    },
  });
  const handEdited = (edit: (g: ReturnType<typeof asArm>) => void) => {
    const g = asArm();
    edit(g);
    return g;
  };
  const sorted = (a: string[]) => JSON.stringify([...a].sort());
  const rows: [string, ObservedVpnGateway, string[]][] = [
    ['as ARM returns the PUT (IDs in another case, addresses in another order)', asArm(), []],
    ['its ASN changed by hand', handEdited((g) => (g.bgpSettings.asn = 65001)), [`bgpSettings.asn: ${spec.azure.gatewayAsn} → 65001`]],
    ['a custom BGP address of instance 1 changed by hand', handEdited((g) => (g.bgpSettings.bgpPeeringAddresses[1]!.customBgpIpAddresses = [second[0]!, '169.254.22.9'])), [`bgpSettings.bgpPeeringAddresses[ipcfg1].customBgpIpAddresses: ${sorted(second)} → ${sorted([second[0]!, '169.254.22.9'])}`]],
    ['the custom BGP addresses of instance 0 removed', handEdited((g) => (g.bgpSettings.bgpPeeringAddresses[0]!.customBgpIpAddresses = [])), [`bgpSettings.bgpPeeringAddresses[ipcfg0].customBgpIpAddresses: ${sorted(first)} → []`]],
    ['no peering entry for instance 0', handEdited((g) => g.bgpSettings.bgpPeeringAddresses.shift()), [`bgpSettings.bgpPeeringAddresses[ipcfg0].customBgpIpAddresses: ${sorted(first)} → absent`]],
    ['BGP turned off', handEdited((g) => (g.enableBgp = false)), ['enableBgp: true → false']],
    ['made active-standby', handEdited((g) => (g.active = false)), ['activeActive: true → false']],
  ];
  for (const [what, observed, expected] of rows) test(`${what}: ${expected.length} drift(s)`, () => assert.deepEqual(shown(vpnGatewayDrift(desired, observed)), expected));
});

describe('Istio objects (DestinationRules, Gateways)', () => {
  const { objects } = params<{ objects: Parameters<typeof manifestDrift>[0] }>('istio/east/traffic-policies');
  const applied = () => structuredClone(objects[0]) as any;
  const rows: [string, () => (Record<string, unknown> | undefined)[], string[]][] = [
    ['as applied, with what the API server adds (uid, defaults)', () => {
      const o = applied();
      o.metadata.uid = 'u-1';
      o.spec.trafficPolicy.connectionPool = { tcp: { maxConnections: 100 } };
      return [o];
    }, []],
    ['a DestinationRule edited by hand', () => {
      const o = applied();
      o.spec.trafficPolicy.outlierDetection.consecutive5xxErrors = 7;
      return [o];
    }, ['DestinationRule default/reviews-failover spec.trafficPolicy.outlierDetection.consecutive5xxErrors: 1 → 7']],
    ['its failover priority removed', () => {
      const o = applied();
      delete o.spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority;
      return [o];
    }, ['DestinationRule default/reviews-failover spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority: ["topology.istio.io/network"] → absent']],
    ['its managed-by label removed', () => {
      const o = applied();
      o.metadata.labels = {};
      return [o];
    }, ['DestinationRule default/reviews-failover metadata.labels.app.kubernetes.io/managed-by: cellbridge → absent']],
    ['deleted', () => [undefined], ['DestinationRule default/reviews-failover: present → absent']],
  ];
  for (const [what, observed, expected] of rows) test(`${what}: ${expected.length} drift(s)`, () => assert.deepEqual(shown(manifestDrift(objects, observed())), expected));
});

describe('remote secret', () => {
  const source = 'cells-east-0123456789';
  const made = remoteSecretObject(source, 'a2ViZWNvbmZpZw==');
  test('made as istioctl makes it: multicluster label, cluster annotation, the kubeconfig under the source cluster\'s name', () => {
    assert.equal(made.metadata.name, `istio-remote-secret-${source}`);
    assert.deepEqual(made.metadata.labels, { 'istio/multiCluster': 'true' });
    assert.deepEqual(made.metadata.annotations, { 'networking.istio.io/cluster': source });
    assert.deepEqual(Object.keys(made.data), [source]);
  });
  const asMade: ObservedRemoteSecret = { labels: made.metadata.labels, annotations: made.metadata.annotations, dataKeys: Object.keys(made.data) };
  const rows: [string, ObservedRemoteSecret, string[]][] = [
    ['as made', asMade, []],
    ['its label removed (istiod stops watching the cluster)', { ...asMade, labels: {} }, ['metadata.labels.istio/multiCluster: true → absent']],
    ['its kubeconfig under another key', { ...asMade, dataKeys: ['other'] }, [`data.${source}: a kubeconfig → absent`]],
    ['its cluster annotation changed', { ...asMade, annotations: { 'networking.istio.io/cluster': 'other' } }, [`metadata.annotations.networking.istio.io/cluster: ${source} → other`]],
  ];
  for (const [what, observed, expected] of rows) test(`${what}: ${expected.length} drift(s)`, () => assert.deepEqual(shown(remoteSecretDrift(source, observed)), expected));
});

describe('cacerts', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const expected = { rootFingerprint: 'aa11', marginDays: 90, now };
  const good: ObservedCacerts = { readable: true, rootFingerprints: ['aa11'], intermediateFingerprint: 'bb22', chainsToRoot: true, notAfter: '2027-12-01T00:00:00Z' };
  const rows: [string, ObservedCacerts, string[]][] = [
    ['the mesh root, an intermediate from it, a year left', good, []],
    ['two roots while a root rotation runs, the mesh root among them', { ...good, rootFingerprints: ['cc33', 'aa11'] }, []],
    ['a wrong certificate pasted as root-cert.pem', { ...good, rootFingerprints: ['bb22'] }, ['root-cert.pem: holds the mesh root aa11 → bb22']],
    ['an intermediate from another root', { ...good, chainsToRoot: false }, ['ca-cert.pem: an intermediate issued by the mesh root → bb22, not issued by it']],
    ['an intermediate within the margin', { ...good, notAfter: '2027-01-01T00:00:00Z' }, ['ca-cert.pem notAfter: after 2027-03-01T00:00:00.000Z (90-day margin) → 2027-01-01T00:00:00Z']],
    ['a key missing', { readable: false, problem: 'cacerts has no ca-key.pem' }, ['data: ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem of the mesh → cacerts has no ca-key.pem']],
  ];
  for (const [what, observed, drifts] of rows) test(`${what}: ${drifts.length} drift(s)`, () => assert.deepEqual(shown(cacertsDrift(expected, observed)), drifts));
  const written = { ...expected, writtenIntermediate: 'bb22' };
  const recordedRows: [string, ObservedCacerts, string[]][] = [
    ['the intermediate cellbridge wrote (made or rotated)', good, []],
    ['another intermediate from the mesh root, made by hand', { ...good, intermediateFingerprint: 'dd44' }, ['ca-cert.pem fingerprint: the intermediate cellbridge wrote, bb22 → dd44']],
    ['another intermediate, from another root', { ...good, intermediateFingerprint: 'dd44', chainsToRoot: false }, ['ca-cert.pem: an intermediate issued by the mesh root → dd44, not issued by it', 'ca-cert.pem fingerprint: the intermediate cellbridge wrote, bb22 → dd44']],
  ];
  for (const [what, observed, drifts] of recordedRows) test(`against the recorded intermediate: ${what}: ${drifts.length} drift(s)`, () => assert.deepEqual(shown(cacertsDrift(written, observed)), drifts));
});
