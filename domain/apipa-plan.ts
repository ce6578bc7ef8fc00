/**
 * The APIPA plan: which /30 each of the four tunnels uses, and who takes which address.
 * AWS takes the first host (.1, the "VGW inside" address) and Azure the second (.2, the
 * "CGW inside" address): docs/domain-rules.md, "BGP ASNs and APIPA inside addresses".
 * Getting this backwards is the most common reason BGP never comes up, so it is computed
 * in exactly one place.
 */
import { hostAddress, mustParseCidr } from './cidr.ts';

export interface TunnelPlan {
  /** 0–3, the position in `backbone.tunnelInsideCidrs`. */
  index: number;
  /** Which AWS VPN connection (and so which Azure gateway instance) carries the tunnel. */
  connection: 0 | 1;
  /** Which of the VPN connection's two tunnels. */
  tunnel: 0 | 1;
  insideCidr: string;
  /** AWS's BGP address; the Azure local network gateway peers with it. */
  awsBgpAddress: string;
  /** Azure's custom APIPA BGP address on the gateway instance `connection`. */
  azureBgpAddress: string;
}

export function planTunnels(insideCidrs: readonly string[]): TunnelPlan[] {
  return insideCidrs.map((text, index) => {
    const cidr = mustParseCidr(text);
    return {
      index,
      connection: (index < 2 ? 0 : 1) as 0 | 1,
      tunnel: (index % 2) as 0 | 1,
      insideCidr: text,
      awsBgpAddress: hostAddress(cidr, 1),
      azureBgpAddress: hostAddress(cidr, 2),
    };
  });
}

export function tunnelsOfConnection(plan: readonly TunnelPlan[], connection: 0 | 1): TunnelPlan[] {
  return plan.filter((t) => t.connection === connection);
}

/** `customBgpIpAddresses` of each gateway instance (IP configuration 0 and 1). */
export function gatewayInstanceAddresses(plan: readonly TunnelPlan[]): [string[], string[]] {
  return [0, 1].map((instance) => tunnelsOfConnection(plan, instance as 0 | 1).map((t) => t.azureBgpAddress)) as [string[], string[]];
}

/**
 * `gatewayCustomBgpIpAddresses` of the Azure connection for one tunnel: the terminating
 * instance gets the tunnel's own .2; the other instance must still be given one of its
 * own addresses (Azure requires both entries) and does not carry this tunnel.
 */
export function connectionBgpAddresses(plan: readonly TunnelPlan[], tunnel: TunnelPlan): [string, string] {
  const instances = gatewayInstanceAddresses(plan);
  const other = instances[tunnel.connection === 0 ? 1 : 0][0] as string;
  return tunnel.connection === 0 ? [tunnel.azureBgpAddress, other] : [other, tunnel.azureBgpAddress];
}
