/**
 * BGP ASN rules of both clouds (docs/domain-rules.md, "BGP ASNs and APIPA inside
 * addresses"). Azure refuses its own and IANA-reserved ASNs on either end; AWS bounds the
 * Transit Gateway's Amazon-side ASN.
 */

const AZURE_RESERVED = new Set([8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520]);

const IANA_RESERVED: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [23456, 23456],
  [64496, 64511],
  [65535, 65551],
  [4294967295, 4294967295],
];

export type AsnProblem = { rule: string; message: string };

export function asnProblems(asn: number): AsnProblem[] {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) {
    return [{ rule: 'asn.range', message: `${asn} is not a 32-bit ASN (1–4294967295)` }];
  }
  if (AZURE_RESERVED.has(asn)) {
    return [{ rule: 'asn.azure-reserved', message: `${asn} is reserved by Azure (8074, 8075, 12076, 65515, 65517–65520)` }];
  }
  if (IANA_RESERVED.some(([low, high]) => asn >= low && asn <= high)) {
    return [{ rule: 'asn.iana-reserved', message: `${asn} is reserved by IANA (23456, 64496–64511, 65535–65551, 4294967295)` }];
  }
  return [];
}

/** A Transit Gateway's Amazon-side ASN: 64512–65534 or 4200000000–4294967294. */
export function transitGatewayAsnProblems(asn: number): AsnProblem[] {
  const inRange = (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
  if (Number.isInteger(asn) && !inRange) {
    return [{ rule: 'asn.transit-gateway-range', message: `${asn} is outside the Transit Gateway ranges 64512–65534 and 4200000000–4294967294` }];
  }
  return asnProblems(asn);
}
