/**
 * CIDR checks shared by the backbone and cell rules: size, containment, pairwise overlap
 * and the reserved ranges, each reported with its path and rule.
 */
import { contains, mustParseCidr, overlaps, parseCidr, type Cidr } from './cidr.ts';

/** Ranges no mesh network may overlap: APIPA, loopback, multicast, "this network". */
const RESERVED_RANGES: ReadonlyArray<readonly [string, string]> = [
  ['169.254.0.0/16', 'link-local (APIPA, used by the tunnels)'],
  ['127.0.0.0/8', 'loopback'],
  ['224.0.0.0/4', 'multicast'],
  ['0.0.0.0/8', '"this network"'],
];

export type Reporter = (path: string, rule: string, message: string) => void;

/** Parses blocks once and reports size, containment and overlap problems against them. */
export class RangeChecker {
  constructor(private readonly report: Reporter) {}

  block(path: string, text: string, minPrefix: number, maxPrefix: number, sizeRule: string): Cidr | undefined {
    const cidr = parseCidr(text);
    if (typeof cidr === 'string') {
      this.report(path, `cidr.${cidr}`, cidrMessage(text, cidr));
      return undefined;
    }
    if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
      this.report(path, 'cidr.size', `${text}: ${sizeRule}`);
    }
    return cidr;
  }

  within(path: string, inner: Cidr | undefined, outer: Cidr | undefined, outerName: string): void {
    if (inner && outer && !contains(outer, inner)) this.report(path, 'cidr.outside-parent', `${inner.text} is not inside ${outerName} ${outer.text}`);
  }

  /** Pairwise overlap of mesh ranges, and (for top-level ranges) of reserved ranges. */
  disjoint(ranges: { path: string; cidr: Cidr | undefined; what: string }[], checkReserved = true): void {
    const known = ranges.filter((r): r is { path: string; cidr: Cidr; what: string } => r.cidr !== undefined);
    known.forEach((range, i) => {
      for (const earlier of known.slice(0, i)) {
        if (overlaps(earlier.cidr, range.cidr)) {
          this.report(range.path, 'cidr.overlap', `${range.cidr.text} (${range.what}) overlaps ${earlier.cidr.text} (${earlier.what} at ${earlier.path}); routed networks must not overlap`);
        }
      }
      if (!checkReserved) return;
      for (const [text, name] of RESERVED_RANGES) {
        if (overlaps(mustParseCidr(text), range.cidr)) this.report(range.path, 'cidr.reserved', `${range.cidr.text} overlaps ${text}, the ${name} range`);
      }
    });
  }
}

export function cidrMessage(text: string, problem: 'syntax' | 'not-network-address'): string {
  return problem === 'syntax' ? `${text} is not an IPv4 CIDR block` : `${text} has host bits set; write the network address`;
}
