/**
 * A VPN gateway on the ARM emulator, built with the real network SDK, for tests of what
 * happens around one: a group, a VNet with its GatewaySubnet, two public IPs and an
 * active-active gateway whose create is left running (its poller is returned).
 */
import type { NetworkManagementClient, VirtualNetworkGateway } from '@azure/arm-network';
import type { ResourceManagementClient } from '@azure/arm-resources';

export const LOCATION = 'westeurope';

export interface GatewayStarted {
  id: string;
  /** Resolves once the gateway's create has finished. */
  done: Promise<VirtualNetworkGateway>;
}

export async function startGateway(net: NetworkManagementClient, rm: ResourceManagementClient, group: string, name: string): Promise<GatewayStarted> {
  await rm.resourceGroups.createOrUpdate(group, { location: LOCATION });
  await net.virtualNetworks.beginCreateOrUpdateAndWait(group, `${name}-vnet`, { location: LOCATION, addressSpace: { addressPrefixes: ['10.40.0.0/16'] } });
  const subnet = await net.subnets.beginCreateOrUpdateAndWait(group, `${name}-vnet`, 'GatewaySubnet', { addressPrefix: '10.40.255.0/27' });
  const pips = await Promise.all([0, 1].map((i) => net.publicIPAddresses.beginCreateOrUpdateAndWait(group, `${name}-pip${i}`, {
    location: LOCATION, sku: { name: 'Standard', tier: 'Regional' }, publicIPAllocationMethod: 'Static', zones: ['1', '2', '3'],
  })));
  const poller = await net.virtualNetworkGateways.beginCreateOrUpdate(group, name, {
    location: LOCATION, gatewayType: 'Vpn', vpnType: 'RouteBased', vpnGatewayGeneration: 'Generation2',
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }, active: true, enableBgp: true,
    ipConfigurations: [0, 1].map((i) => ({ name: `ipcfg${i}`, privateIPAllocationMethod: 'Dynamic', subnet: { id: subnet.id }, publicIPAddress: { id: pips[i]!.id } })),
    bgpSettings: { asn: 65010 },
  });
  const id = `/subscriptions/${net.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworkGateways/${name}`;
  return { id, done: poller.pollUntilDone() };
}

/** A local network gateway for one AWS tunnel (outside address and BGP peer). */
export function localGatewayBody(outside: string, peer: string) {
  return { location: LOCATION, gatewayIpAddress: outside, localNetworkAddressSpace: { addressPrefixes: [] }, bgpSettings: { asn: 64512, bgpPeeringAddress: peer } };
}

/** An IPsec/BGP connection of the gateway to a local network gateway. */
export function connectionBody(gatewayId: string, localGatewayId: string) {
  return {
    location: LOCATION, connectionType: 'IPsec' as const, connectionProtocol: 'IKEv2' as const, enableBgp: true,
    virtualNetworkGateway1: { id: gatewayId }, localNetworkGateway2: { id: localGatewayId }, sharedKey: 'sim0sharedKey0value',
  };
}
