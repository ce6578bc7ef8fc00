/**
 * The pre-shared keys of a VPN connection's tunnels, read from AWS for the Azure connections
 * that need them. The two tunnels of one VPN connection have an Azure connection each, written
 * one after the other at the same gateway: one DescribeVpnConnections serves both. The keys
 * live in this worker's memory only, for a few minutes (the time the gateway's four
 * connections take to be written one by one): never returned to a workflow, never logged.
 * A read that must see AWS as it is now (a drift check) asks AWS again, and what it reads
 * replaces what was kept, so a repair after it writes the key it compared with.
 */
import { DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import type { CloudClients } from '../cloud-clients.ts';

const KEEP_MS = 5 * 60_000;

type Keys = Map<string, string>;

export class TunnelKeys {
  // The promise itself is kept, so that connections asking together share one read.
  private readonly kept = new Map<string, { keys: Promise<Keys>; readAt: number }>();

  constructor(
    private readonly read: (region: string, vpnConnectionId: string) => Promise<Keys>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key of the tunnel `insideCidr` of the VPN connection; `fresh`: read from AWS whatever is kept. */
  async key(region: string, vpnConnectionId: string, insideCidr: string, fresh = false): Promise<string> {
    const id = `${region}/${vpnConnectionId}`;
    const entry = this.kept.get(id);
    const kept = !fresh && entry && this.now() - entry.readAt < KEEP_MS ? await entry.keys.catch(() => undefined) : undefined;
    const found = kept?.get(insideCidr);
    if (found) return found;
    const keys = this.readAndKeep(id, region, vpnConnectionId);
    const key = (await keys).get(insideCidr);
    if (!key) throw new Error(`VPN connection ${vpnConnectionId} reports no pre-shared key for tunnel ${insideCidr}`);
    return key;
  }

  private readAndKeep(id: string, region: string, vpnConnectionId: string): Promise<Keys> {
    const entry = { keys: this.read(region, vpnConnectionId), readAt: this.now() };
    this.kept.set(id, entry);
    entry.keys.catch(() => this.kept.get(id) === entry && this.kept.delete(id));
    return entry.keys;
  }
}

/** Every tunnel's key of one VPN connection, by inside CIDR, as AWS answers now. */
export function readTunnelKeys(clients: CloudClients): (region: string, vpnConnectionId: string) => Promise<Keys> {
  return async (region, vpnConnectionId) => {
    const { VpnConnections = [] } = await clients.ec2(region).send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpnConnectionId] }));
    const tunnels = VpnConnections[0]?.Options?.TunnelOptions ?? [];
    return new Map(tunnels.filter((t) => t.TunnelInsideCidr && t.PreSharedKey).map((t) => [t.TunnelInsideCidr!, t.PreSharedKey!]));
  };
}
