// The pool's backbone links between the cells of its clusters (sim/envoy/backbone.ts),
// by the pair of cluster keys: made on the first PUT, cut and restored by later ones (the
// fabric's outage control can drive them), resynced every few seconds as gateways come,
// go or get their load-balancer addresses. A link goes with either cell's network
// namespace, and is forgotten when either cluster is deleted; a cluster made again needs
// its links PUT again (or the fabric follower puts them).
import { Backbone, type BackboneEnd, type BackboneState } from '../envoy/backbone.ts';

const SYNC_MS = 2_000;

export class Backbones {
  private readonly links = new Map<string, Promise<Backbone>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly endOf: (key: string) => Promise<BackboneEnd | undefined>, private readonly log: (line: string) => void) {
    this.timer = setInterval(() => void this.syncAll(), SYNC_MS).unref();
  }

  /** Makes the link between the cells of clusters `a` and `b` if it is not there, then brings it up or cuts it. */
  async put(a: string, b: string, up: boolean): Promise<BackboneState> {
    const key = pairKey(a, b);
    let link = this.links.get(key);
    if (!link) {
      link = (async () => {
        const [endA, endB] = await Promise.all([this.endOf(a), this.endOf(b)]);
        if (!endA || !endB) throw new Error(`no data plane in ${!endA ? a : b} (the pool runs one with CELLBRIDGE_SIM_DATAPLANE=1, once the cluster is ready)`);
        return Backbone.create(endA, endB);
      })();
      this.links.set(key, link);
      link.catch(() => this.links.get(key) === link && this.links.delete(key));
    }
    const backbone = await link;
    await (up ? backbone.restore() : backbone.cut());
    this.log(`backbone ${a} <-> ${b}: ${up ? 'up' : 'cut'}`);
    return backbone.state();
  }

  async get(a: string, b: string): Promise<BackboneState | undefined> {
    const link = await this.links.get(pairKey(a, b))?.catch(() => undefined);
    return link?.state();
  }

  async delete(a: string, b: string): Promise<void> {
    const key = pairKey(a, b);
    const link = this.links.get(key);
    this.links.delete(key);
    await (await link?.catch(() => undefined))?.destroy();
  }

  /** Drops the links of a cluster the pool deleted (its namespace, and with it its link ends, went too), so a cluster made again under the key gets a new one. */
  forget(key: string): void {
    for (const pair of [...this.links.keys()]) if (pair.split('+').includes(key)) this.links.delete(pair);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async syncAll(): Promise<void> {
    for (const [key, link] of this.links) {
      await (await link.catch(() => undefined))?.sync().catch((error: Error) => this.log(`backbone ${key}: ${error.message}`));
    }
  }
}

/** One link per unordered pair. */
function pairKey(a: string, b: string): string {
  return [a, b].sort().join('+');
}
