/** IPv4 addresses and CIDR blocks as plain numbers, so overlap and containment are arithmetic. */

export interface Cidr {
  readonly text: string;
  readonly network: number;
  readonly prefix: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIpv4(text: string): number | undefined {
  if (!IPV4.test(text)) return undefined;
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export type CidrProblem = 'syntax' | 'not-network-address';

/** Parses `a.b.c.d/n`; rejects host bits set, since the clouds reject them too. */
export function parseCidr(text: string): Cidr | CidrProblem {
  const [ip, prefixText, ...rest] = text.split('/');
  if (ip === undefined || prefixText === undefined || rest.length > 0 || !/^\d{1,2}$/.test(prefixText)) return 'syntax';
  const address = parseIpv4(ip);
  const prefix = Number(prefixText);
  if (address === undefined || prefix > 32) return 'syntax';
  if (address % blockSize(prefix) !== 0) return 'not-network-address';
  return { text, network: address, prefix };
}

export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + blockSize(b.prefix) && b.network < a.network + blockSize(a.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.network >= outer.network && inner.network + blockSize(inner.prefix) <= outer.network + blockSize(outer.prefix);
}

/** The nth address of a block (1 = first host). */
export function hostAddress(cidr: Cidr, n: number): string {
  return formatIpv4(cidr.network + n);
}

export function mustParseCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') throw new Error(`invalid CIDR ${text} (${parsed})`);
  return parsed;
}
