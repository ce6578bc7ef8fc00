// The backbone between two cloud networks (cloud-network.ts): what the site-to-site VPN
// and BGP give the real cells. BGP over the VPN advertises each cloud's prefixes; here the
// only prefixes either side routes over the link are the peer's east-west gateway
// addresses (/32s), so a workload of one cell can reach the other cell only through the
// peer's gateway, never a pod of it directly.
//
// The link is a veth pair with no addresses of its own (an address on it would be local to
// its namespace and so reach every pod listening on a wildcard there). A connection over it
// leaves with its cell's own gateway address as source, which the peer routes back over
// the link: the far side sees the near cell's gateway, as behind a NAT at the cell's edge.
// Cutting the link (the fabric's outage) takes both ends down, which drops its routes;
// restoring brings them up and routes again.
import { createHash } from 'node:crypto';
import { ip, type CloudNetwork } from './cloud-network.ts';

/** One cell as the backbone sees it: its namespace and the addresses its east-west gateways answer on. */
export interface BackboneEnd {
  network: CloudNetwork;
  gatewayAddresses(): string[];
}

export interface BackboneState {
  up: boolean;
  /** What each end routes over the link now, by namespace name. */
  routes: Record<string, string[]>;
}

interface Side {
  end: BackboneEnd;
  /** The veth end inside this side's namespace. */
  device: string;
}

export class Backbone {
  private up = true;
  private readonly sides: [Side, Side];

  private constructor(a: BackboneEnd, b: BackboneEnd, name: string) {
    this.sides = [{ end: a, device: `${name}a` }, { end: b, device: `${name}b` }];
  }

  /** The link between `a` and `b`, made anew (a leftover of the same pair is removed first), up. */
  static async create(a: BackboneEnd, b: BackboneEnd): Promise<Backbone> {
    // Interface names are at most 15 characters: `bb` + 10 hex + `a`/`b`.
    const name = `bb${createHash('sha256').update(`${a.network.name}/${b.network.name}`).digest('hex').slice(0, 10)}`;
    const backbone = new Backbone(a, b, name);
    const [sa, sb] = backbone.sides;
    await ip('-n', sa.end.network.name, 'link', 'del', sa.device).catch(() => undefined);
    await ip('-n', sa.end.network.name, 'link', 'add', sa.device, 'type', 'veth', 'peer', 'name', sb.device, 'netns', sb.end.network.name);
    await backbone.restore();
    return backbone;
  }

  /**
   * Routes each side's peer gateways over the link (and drops routes to addresses that are
   * no longer the peer's); a side without a gateway address of its own routes nothing, as
   * it has no source the peer would answer. Called again as gateways come and go.
   */
  async sync(): Promise<void> {
    if (!this.up) return;
    for (const [near, far] of [[this.sides[0], this.sides[1]], [this.sides[1], this.sides[0]]] as const) {
      const source = near.end.gatewayAddresses()[0];
      const wanted = new Set(source ? far.end.gatewayAddresses() : []);
      const have = await this.routesOf(near);
      for (const address of wanted) {
        if (!have.includes(address)) await ip('-n', near.end.network.name, 'route', 'replace', `${address}/32`, 'dev', near.device, 'src', source!);
      }
      for (const address of have) {
        if (!wanted.has(address)) await ip('-n', near.end.network.name, 'route', 'del', `${address}/32`, 'dev', near.device).catch(() => undefined);
      }
    }
  }

  /** The outage: both ends go down, and the kernel drops every route through them. */
  async cut(): Promise<void> {
    this.up = false;
    for (const side of this.sides) await ip('-n', side.end.network.name, 'link', 'set', side.device, 'down');
  }

  async restore(): Promise<void> {
    for (const side of this.sides) await ip('-n', side.end.network.name, 'link', 'set', side.device, 'up');
    this.up = true;
    await this.sync();
  }

  async state(): Promise<BackboneState> {
    const routes: Record<string, string[]> = {};
    for (const side of this.sides) routes[side.end.network.name] = await this.routesOf(side);
    return { up: this.up, routes };
  }

  /** Deleting one end of a veth deletes the pair. */
  async destroy(): Promise<void> {
    await ip('-n', this.sides[0].end.network.name, 'link', 'del', this.sides[0].device).catch(() => undefined);
  }

  private async routesOf(side: Side): Promise<string[]> {
    const out = await ip('-n', side.end.network.name, '-4', '-o', 'route', 'show', 'dev', side.device).catch(() => '');
    return out.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
  }
}
