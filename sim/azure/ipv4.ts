// Just enough IPv4 arithmetic for address-space validation.

export interface Cidr {
  base: number;
  bits: number;
}

export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! * 256 + o[1]!) * 256 + o[2]!) * 256 + o[3]!;
}

export function formatIp(n: number): string {
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip, bitsText, extra] = text.split('/');
  const addr = ip === undefined ? undefined : parseIp(ip);
  const bits = Number(bitsText);
  if (addr === undefined || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits };
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.bits >= outer.bits && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}
