/** What each of the four tunnels looks like from both clouds, paired by inside CIDR. */
export interface TunnelStatus {
  index: number;
  insideCidr: string;
  aws: { outsideIp: string; status: string; message: string; acceptedRoutes: number };
  azure: { neighbor: string; state: string; routesReceived: number };
  /** AWS telemetry UP with routes and the Azure peer Connected with routes (docs/domain-rules.md, "Pitfall: readiness is BGP, not IPsec"). */
  established: boolean;
}

export function describeTunnel(t: TunnelStatus): string {
  return `tunnel ${t.index} (${t.insideCidr}): AWS ${t.aws.status} "${t.aws.message}" ${t.aws.acceptedRoutes} routes, Azure peer ${t.azure.neighbor} ${t.azure.state} ${t.azure.routesReceived} routes`;
}
