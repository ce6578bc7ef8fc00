// The backbone links follow the tunnel fabric (sim/fabric.ts, served by the ARM emulator at
// GET /_sim/fabric): as on the real clouds, cross-cloud traffic flows while each cloud has
// learned the other's prefixes over BGP on at least one tunnel, so the fabric's outage
// control (POST /_sim/fabric/outages) cuts the data plane too, and its end heals it.
// The pool asks the fabric every few seconds and brings each EKS/AKS pair's link up or down.
import type { Backbones } from './backbones.ts';

const FOLLOW_MS = 1_000;

/** What the pool reads of GET /_sim/fabric. */
export interface FabricRoutes {
  tunnels: { bgpEstablished: boolean; acceptedPrefixes: string[] }[];
  learnedRoutes: Record<string, { network: string; origin: string }[]>;
}

export interface BackboneCell {
  key: string;
  flavor: 'eks' | 'aks';
  nodeCidr: string;
}

/**
 * An EKS and an AKS cell are linked iff AWS accepted, over an established BGP session, a
 * prefix holding the AKS nodes, and Azure learned over BGP a prefix holding the EKS nodes.
 */
export function backboneUp(fabric: FabricRoutes, eks: BackboneCell, aks: BackboneCell): boolean {
  const awsLearned = fabric.tunnels.filter((t) => t.bgpEstablished).flatMap((t) => t.acceptedPrefixes);
  const azureLearned = Object.values(fabric.learnedRoutes).flat().filter((r) => r.origin === 'EBgp').map((r) => r.network);
  return awsLearned.some((prefix) => within(aks.nodeCidr, prefix)) && azureLearned.some((prefix) => within(eks.nodeCidr, prefix));
}

/** Every EKS/AKS pair of cells, each once. */
export function cellPairs(cells: BackboneCell[]): [BackboneCell, BackboneCell][] {
  const eks = cells.filter((c) => c.flavor === 'eks');
  return eks.flatMap((e) => cells.filter((c) => c.flavor === 'aks').map((a): [BackboneCell, BackboneCell] => [e, a]));
}

/** Whether CIDR `inner` lies inside CIDR `outer`. */
export function within(inner: string, outer: string): boolean {
  const [innerBase, innerBits] = parse(inner);
  const [outerBase, outerBits] = parse(outer);
  if (innerBits < outerBits) return false;
  const mask = outerBits === 0 ? 0 : (~0 << (32 - outerBits)) >>> 0;
  return ((innerBase & mask) >>> 0) === ((outerBase & mask) >>> 0);
}

function parse(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const value = address.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
  return [value, Number(bits)];
}

/** Polls the fabric and puts each pair's link in the state it gives; a pair without a data plane in both cells waits. */
export function followFabric(fabricUrl: string, cells: () => Promise<BackboneCell[]>, backbones: Backbones, log: (line: string) => void): () => void {
  const known = new Map<string, boolean>();
  let lastError = '';
  const tick = async () => {
    const fabric = (await (await fetch(fabricUrl, { signal: AbortSignal.timeout(5_000) })).json()) as FabricRoutes;
    const pairs = cellPairs(await cells());
    // A pair whose cluster went is forgotten: made again under the same key, it is linked anew.
    const present = new Set(pairs.map(([eks, aks]) => `${eks.key}+${aks.key}`));
    for (const pair of [...known.keys()]) if (!present.has(pair)) known.delete(pair);
    for (const [eks, aks] of pairs) {
      const up = backboneUp(fabric, eks, aks);
      const pair = `${eks.key}+${aks.key}`;
      if (known.get(pair) === up) continue;
      const applied = await backbones.put(eks.key, aks.key, up).then(() => true, () => false);
      if (applied) {
        known.set(pair, up);
        log(`backbone ${pair} follows the fabric: ${up ? 'BGP established' : 'no BGP route'} -> ${up ? 'up' : 'cut'}`);
      }
    }
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick().then(() => (lastError = ''), (error: Error) => {
      if (error.message !== lastError) log(`backbone follower: ${(lastError = error.message)}`);
    }).finally(() => (running = false));
  }, FOLLOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
