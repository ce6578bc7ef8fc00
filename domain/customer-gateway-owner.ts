/**
 * Whose the customer gateway is that EC2 answered a create with. EC2 does not make a second
 * customer gateway of the same type, IP address and BGP ASN: an identical CreateCustomerGateway
 * returns the existing one, whoever made it. So the gateway a create answers with is only this
 * mesh's if it carries this mesh's and this graph node's identity tags; any other belongs to
 * another tool or mesh, and is never tagged, used or deleted (docs/naming.md, "A customer gateway EC2 already has").
 */

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
