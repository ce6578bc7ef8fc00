// The addresses a cluster's simulated network has handed out (node IPs, pod IPs, internal
// load-balancer frontends), so no two objects share one. Addresses are picked from a seed
// (a hash of what asks), so the same object tends to get the same address every run.
import { formatIp, parseCidr, parseIp, size } from '../../azure/ipv4.ts';

export interface Range {
  cidr: string;
  /** Addresses the cloud keeps at the start of the block (AWS and Azure subnets: 4; an overlay node /24: 1). */
  reservedFirst: number;
  /** Addresses kept at the end (the broadcast address: 1). */
  reservedLast: number;
}

/** What AWS and Azure keep in every subnet: network, router, two DNS/reserved, broadcast. */
export const CLOUD_SUBNET = { reservedFirst: 4, reservedLast: 1 };

export class AddressBook {
  private readonly owners = new Map<string, string>();
  /** The address each owner held last: a Service deleted and made again gets it back if it is free. */
  private readonly last = new Map<string, string>();

  /** Records an address already in use (found on an existing object). */
  claim(ip: string, owner: string): void {
    this.owners.set(ip, owner);
  }

  /** The address `owner` already holds in `range`, or a free one from `seed` on. */
  allocate(range: Range, seed: number, owner: string): string {
    const block = parseCidr(range.cidr);
    if (!block) throw new Error(`${range.cidr} is not an IPv4 block`);
    const held = [...this.owners].find(([ip, o]) => o === owner && inside(ip, block.base, size(block)));
    if (held) return held[0];
    const previous = this.last.get(owner);
    if (previous && !this.owners.has(previous) && inside(previous, block.base, size(block))) {
      this.owners.set(previous, owner);
      return previous;
    }
    const usable = size(block) - range.reservedFirst - range.reservedLast;
    if (usable <= 0) throw new Error(`${range.cidr} has no usable address`);
    for (let i = 0; i < usable; i++) {
      const ip = formatIp(block.base + range.reservedFirst + ((seed + i) % usable));
      if (!this.owners.has(ip)) {
        this.owners.set(ip, owner);
        return ip;
      }
    }
    throw new Error(`${range.cidr} has no free address left`);
  }

  release(owner: string): void {
    for (const [ip, o] of this.owners) {
      if (o !== owner) continue;
      this.owners.delete(ip);
      this.last.set(owner, ip);
    }
  }
}

function inside(ip: string, base: number, length: number): boolean {
  const n = parseIp(ip);
  return n !== undefined && n >= base && n < base + length;
}
