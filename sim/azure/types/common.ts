// Rules and helpers shared by the network resource specs.
import { randomUUID } from 'node:crypto';
import { badRequest, invalidRequest } from '../errors.js';
import { num, type Json } from '../json.js';
import { parseIp } from '../ipv4.js';
import type { Resource } from '../store.js';

export const newEtag = (): string => `W/"${randomUUID()}"`;

/** The request's properties minus what the server owns (read-only or computed). */
export function writable(properties: Json, serverOwned: string[]): Json {
  const owned = new Set(['provisioningState', 'resourceGuid', ...serverOwned]);
  return Object.fromEntries(Object.entries(properties).filter(([k]) => !owned.has(k)));
}

export function resourceGuid(existing: Resource | undefined): string {
  const kept = existing?.properties.resourceGuid;
  return typeof kept === 'string' ? kept : randomUUID();
}

/** Referencing a resource that is still being created, updated or deleted. */
export function requireProvisioned(target: Resource, by: string): void {
  if (target.provisioningState !== 'Succeeded') {
    throw badRequest('ReferencedResourceNotProvisioned',
      `Cannot proceed with operation because resource ${target.id} used by resource ${by} is not in Succeeded state. Resource is in ${target.provisioningState} state and the last operation that updated/is updating the resource is PutOperation.`);
  }
}

const AZURE_RESERVED_ASNS = new Set([8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520]);
const IANA_RESERVED_ASNS: [number, number][] = [[0, 0], [23456, 23456], [64496, 64511], [65535, 65551], [4294967295, 4294967295]];

export function checkAsn(value: unknown, field: string): number {
  const asn = num(value);
  if (asn === undefined || !Number.isInteger(asn) || asn < 0 || asn > 4294967295) {
    throw badRequest('InvalidBgpAsn', `${field} must be an integer ASN between 1 and 4294967294; got ${JSON.stringify(value)}.`);
  }
  if (AZURE_RESERVED_ASNS.has(asn)) {
    throw badRequest('BgpAsnReserved', `${field}: ASN ${asn} is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520).`);
  }
  if (IANA_RESERVED_ASNS.some(([lo, hi]) => asn >= lo && asn <= hi)) {
    throw badRequest('BgpAsnReserved', `${field}: ASN ${asn} is reserved by IANA.`);
  }
  return asn;
}

const APIPA_LOW = parseIp('169.254.21.0')!;
const APIPA_HIGH = parseIp('169.254.22.255')!;

/** Azure accepts custom BGP (APIPA) addresses only from 169.254.21.0–169.254.22.255. */
export function checkAzureApipa(value: unknown, field: string): string {
  const ip = typeof value === 'string' ? parseIp(value) : undefined;
  if (ip === undefined || ip < APIPA_LOW || ip > APIPA_HIGH) {
    throw badRequest('InvalidCustomBgpIpAddress',
      `${field}: custom BGP IP address ${JSON.stringify(value)} is not valid. Custom BGP IP addresses must be in the range 169.254.21.0 to 169.254.22.255.`);
  }
  return value as string;
}

export function checkIp(value: unknown, field: string): string {
  if (typeof value !== 'string' || parseIp(value) === undefined) throw invalidRequest(`${field} must be an IPv4 address; got ${JSON.stringify(value)}.`);
  return value;
}
