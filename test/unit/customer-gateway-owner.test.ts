/**
 * Whose the customer gateway is that EC2 answered a create with (EC2 answers an identical
 * create with the existing gateway, whoever made it): only one carrying this mesh's and this
 * node's identity tags is ours, and the refusal names the gateway, its address, ASN and owner.
 * And whether a gateway is the mesh's own without those tags: only by the ID the mesh recorded
 * for it, never by its address and ASN.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimCustomerGateway, foreignCustomerGateway, lostIdentityTags, type AnsweredCustomerGateway } from '../../domain/customer-gateway-owner.ts';

const identity = { meshTag: 'cellbridge:mesh', mesh: 'demo', nodeTag: 'cellbridge:resource', node: 'aws/customer-gateway/0' };
const gateway: AnsweredCustomerGateway = { CustomerGatewayId: 'cgw-0aa', IpAddress: '192.0.2.7', BgpAsn: '65123' };
const ours = [{ Key: 'Name', Value: 'demo-cgw-0' }, { Key: 'cellbridge:mesh', Value: 'demo' }, { Key: 'cellbridge:resource', Value: 'aws/customer-gateway/0' }];

describe('the owner of the customer gateway a create answers with', () => {
  const rows: [string, AnsweredCustomerGateway, RegExp | undefined][] = [
    ['made by this create (or an earlier attempt of it), with this mesh\'s and node\'s tags: ours', { ...gateway, Tags: ours }, undefined],
    ['untagged (another tool\'s): foreign, named "untagged"', gateway, /^customer gateway cgw-0aa for IP address 192\.0\.2\.7 and BGP ASN 65123 already exists and is not this mesh's \(untagged\).*rule customer-gateway\.exists.*azure\.gatewayAsn/],
    ['with an empty tag list: untagged', { ...gateway, Tags: [] }, /\(untagged\)/],
    ['another mesh\'s: foreign, with its tags', { ...gateway, Tags: [{ Key: 'cellbridge:mesh', Value: 'other' }, { Key: 'cellbridge:resource', Value: 'aws/customer-gateway/0' }] }, /\(tagged cellbridge:mesh=other, cellbridge:resource=aws\/customer-gateway\/0\)/],
    ['this mesh\'s, for its other Azure instance: foreign (deleting it would take the other node\'s gateway)', { ...gateway, Tags: [{ Key: 'cellbridge:mesh', Value: 'demo' }, { Key: 'cellbridge:resource', Value: 'aws/customer-gateway/1' }] }, /cellbridge:resource=aws\/customer-gateway\/1/],
    ['the mesh tag\'s key with no value: foreign', { ...gateway, Tags: [{ Key: 'cellbridge:mesh' }, { Key: 'cellbridge:resource', Value: 'aws/customer-gateway/0' }] }, /tagged cellbridge:mesh=, /],
    ['a 4-byte ASN, answered in BgpAsnExtended: named', { ...gateway, BgpAsn: undefined, BgpAsnExtended: '4200000000' }, /BGP ASN 4200000000 already exists/],
  ];
  for (const [what, answered, refusal] of rows) {
    test(what, () => {
      const reason = foreignCustomerGateway(answered, identity);
      if (refusal === undefined) assert.equal(reason, undefined);
      else assert.match(reason ?? '', refusal);
    });
  }
});

describe("a customer gateway claimed by the ID the mesh recorded, its tags removed by hand", () => {
  const lost = (key: string, expected: string, actual = 'absent') => ({ field: `tag ${key}`, expected, actual });
  const bothLost = [lost('cellbridge:mesh', 'demo'), lost('cellbridge:resource', 'aws/customer-gateway/0')];
  const rows: [string, AnsweredCustomerGateway, string | undefined, ReturnType<typeof claimCustomerGateway>['ours'], unknown][] = [
    ['untagged, its ID the recorded one: ours, both identity tags to put back', gateway, 'cgw-0aa', true, bothLost],
    ['only the mesh tag removed, its ID the recorded one: ours, that tag to put back', { ...gateway, Tags: [ours[0]!, ours[2]!] }, 'cgw-0aa', true, [lost('cellbridge:mesh', 'demo')]],
    ['tagged as ours: ours by its tags, whatever was recorded', { ...gateway, Tags: ours }, 'cgw-0bb', true, []],
    ["untagged, same IP and ASN, another ID (another tool's): not ours", gateway, 'cgw-0bb', false, /\(untagged\)/],
    ['untagged, nothing recorded (made by a version that recorded no output): not ours', gateway, undefined, false, /\(untagged\)/],
    ['untagged, an empty recorded ID: not ours', { ...gateway, CustomerGatewayId: '' }, '', false, /\(untagged\)/],
    ["its ID the recorded one but tagged as another mesh's: not ours (someone gave it away)", { ...gateway, Tags: [{ Key: 'cellbridge:mesh', Value: 'other' }] }, 'cgw-0aa', false, /cellbridge:mesh=other/],
    ["its ID the recorded one but tagged as the mesh's other node's: not ours", { ...gateway, Tags: [{ Key: 'cellbridge:resource', Value: 'aws/customer-gateway/1' }] }, 'cgw-0aa', false, /cellbridge:resource=aws\/customer-gateway\/1/],
  ];
  for (const [what, cgw, recordedId, ours, expected] of rows) {
    test(what, () => {
      const claim = claimCustomerGateway(cgw, identity, recordedId);
      assert.equal(claim.ours, ours);
      if (claim.ours) assert.deepEqual(lostIdentityTags(cgw, identity), expected);
      else assert.match(claim.reason, expected as RegExp);
    });
  }
});
