/**
 * Whose the customer gateway is that EC2 answered a create with. EC2 does not make a second
 * customer gateway of the same type, IP address and BGP ASN: an identical CreateCustomerGateway
 * returns the existing one, whoever made it. So the gateway a create answers with is only this
 * mesh's if it carries this mesh's and this graph node's identity tags; any other belongs to
 * another tool or mesh, and is never tagged, used or deleted (docs/naming.md, "A customer gateway EC2 already has").
 *
 * One exception, proven without tags: the gateway whose ID the mesh recorded when it made it
 * ready (its output's cloud ID) is the mesh's own even after its ownership tags were removed by
 * hand, as long as no tag names another owner. EC2 never reuses a gateway ID, so the ID proves
 * what an address and an ASN cannot: another tool's gateway of the same IP and ASN has another ID
 * (docs/drift.md, "A customer gateway whose tags were removed").
 */
import type { FieldDrift } from './drift.ts';

export interface AnsweredCustomerGateway {
  CustomerGatewayId?: string;
  IpAddress?: string;
  BgpAsn?: string;
  BgpAsnExtended?: string;
  Tags?: { Key?: string; Value?: string }[];
}

/** The identity tags this node's gateway carries: key and value each. */
export interface GatewayIdentity {
  meshTag: string;
  mesh: string;
  nodeTag: string;
  node: string;
}

/** Undefined when the gateway is this node's own; otherwise why it is not, naming the gateway, its address, its ASN and its tags. */
export function foreignCustomerGateway(cgw: AnsweredCustomerGateway, identity: GatewayIdentity): string | undefined {
  const tags = cgw.Tags ?? [];
  const value = (key: string) => tags.find((t) => t.Key === key)?.Value;
  if (value(identity.meshTag) === identity.mesh && value(identity.nodeTag) === identity.node) return undefined;
  const owner = tags.length === 0 ? 'untagged' : `tagged ${tags.map((t) => `${t.Key}=${t.Value ?? ''}`).join(', ')}`;
  return (
    `customer gateway ${cgw.CustomerGatewayId ?? '(no id)'} for IP address ${cgw.IpAddress ?? '?'} and BGP ASN ${cgw.BgpAsnExtended ?? cgw.BgpAsn ?? '?'} ` +
    `already exists and is not this mesh's (${owner}); EC2 answers a create of the same type, IP address and ASN with that gateway ` +
    `(rule customer-gateway.exists), and cellbridge never tags, uses or deletes a gateway it did not create: delete it, or choose another azure.gatewayAsn`
  );
}

/**
 * Whether the gateway is this node's own: by its identity tags, or, with none of them naming
 * another owner, by being the gateway the mesh recorded (`recordedId`, its output's cloud ID).
 * The identity tags such a gateway no longer carries are `lostIdentityTags`, to put back.
 */
export function claimCustomerGateway(
  cgw: AnsweredCustomerGateway,
  identity: GatewayIdentity,
  recordedId: string | undefined,
): { ours: true } | { ours: false; reason: string } {
  const reason = foreignCustomerGateway(cgw, identity);
  if (reason === undefined) return { ours: true };
  const elsewhere = lostIdentityTags(cgw, identity).some((t) => t.actual !== 'absent');
  if (recordedId === undefined || recordedId === '' || cgw.CustomerGatewayId !== recordedId || elsewhere) return { ours: false, reason };
  return { ours: true };
}

/** Each identity tag the gateway does not carry with this mesh's or node's value: its key, the value it should have, and what it has ('absent' when removed). */
export function lostIdentityTags(cgw: AnsweredCustomerGateway, identity: GatewayIdentity): FieldDrift[] {
  const tags = cgw.Tags ?? [];
  return [
    [identity.meshTag, identity.mesh],
    [identity.nodeTag, identity.node],
  ].flatMap(([key, value]) => {
    const tag = tags.find((t) => t.Key === key);
    if (tag?.Value === value) return [];
    return [{ field: `tag ${key}`, expected: value!, actual: tag === undefined ? 'absent' : (tag.Value ?? '') }];
  });
}
