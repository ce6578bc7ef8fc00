// The kube pool's pure pieces: node-pool validation (every bad field named) and the
// address book that keeps node, pod and load-balancer addresses of a cluster apart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNodePool, parseNodePools } from '../../sim/kube/node-pool.ts';
import { AddressBook, CLOUD_SUBNET } from '../../sim/kube/simulator/addresses.ts';

const good = { count: 2, instanceType: 'm6i.large', subnets: [{ cidr: '10.10.0.0/24', zone: 'us-east-1a' }] };

describe('node pools', () => {
  const cases: [string, unknown, unknown, RegExp][] = [
    ['a name with capitals', 'Workers', good, /nodePools\[\]\.name must be 1-63 of \[a-z0-9-\]/],
    ['a negative count', 'w', { ...good, count: -1 }, /nodePools\[w\]\.count must be an integer from 0 to 1000/],
    ['a fractional count', 'w', { ...good, count: 1.5 }, /nodePools\[w\]\.count/],
    ['no instance type', 'w', { ...good, instanceType: '' }, /nodePools\[w\]\.instanceType must be a non-empty string/],
    ['no subnets', 'w', { ...good, subnets: [] }, /nodePools\[w\]\.subnets must be a non-empty array/],
    ['a /30 subnet', 'w', { ...good, subnets: [{ cidr: '10.0.0.0/30', zone: 'a' }] }, /nodePools\[w\]\.subnets\[0\]\.cidr must be an IPv4 CIDR block of \/29 or larger/],
    ['a subnet that is not a CIDR', 'w', { ...good, subnets: [{ cidr: '10.0.0.300/24', zone: 'a' }] }, /subnets\[0\]\.cidr/],
    ['a subnet without zone', 'w', { ...good, subnets: [{ cidr: '10.0.0.0/24' }] }, /nodePools\[w\]\.subnets\[0\]\.zone must be a non-empty string/],
    ['a /25 pod CIDR', 'w', { ...good, podCidr: '10.244.0.0/25' }, /nodePools\[w\]\.podCidr must be an IPv4 CIDR block of \/24 or larger/],
  ];
  for (const [what, name, body, error] of cases) {
    test(`${what} is refused, naming the field`, () => assert.match(String(parseNodePool(name, body)), error));
  }

  test('a valid pool is answered as given, pod CIDR included', () => {
    assert.deepEqual(parseNodePool('w', { ...good, podCidr: '10.244.0.0/16' }), { name: 'w', ...good, podCidr: '10.244.0.0/16' });
  });

  test('a list with the same pool twice is refused', () => {
    assert.match(String(parseNodePools([{ name: 'w', ...good }, { name: 'w', ...good }])), /nodePools has w twice/);
  });
});

describe('the address book', () => {
  test('addresses skip the cloud\'s reserved ones, never repeat, and an owner keeps its address', () => {
    const book = new AddressBook();
    const range = { cidr: '10.0.0.0/29', ...CLOUD_SUBNET };
    const first = book.allocate(range, 0, 'a');
    assert.equal(first, '10.0.0.4', 'the first four are reserved');
    assert.equal(book.allocate(range, 0, 'a'), first, 'the same owner, the same address');
    assert.equal(book.allocate(range, 0, 'b'), '10.0.0.5');
    assert.equal(book.allocate(range, 0, 'c'), '10.0.0.6');
    assert.throws(() => book.allocate(range, 0, 'd'), /10\.0\.0\.0\/29 has no free address left/, '.7 is the broadcast address');
    book.release('b');
    assert.equal(book.allocate(range, 0, 'd'), '10.0.0.5');
  });

  test('an owner released and allocated again gets its last address back, even when its seed\'s address has come free meanwhile', () => {
    const book = new AddressBook();
    const range = { cidr: '10.0.0.0/29', ...CLOUD_SUBNET };
    book.claim('10.0.0.4', 'node/x');
    const service = book.allocate(range, 0, 'lb/east-west');
    assert.equal(service, '10.0.0.5', 'its seed\'s address was held');
    book.release('node/x');
    book.release('lb/east-west');
    assert.equal(book.allocate(range, 0, 'lb/east-west'), service, 'a Service made again keeps its frontend');
  });

  test('a claimed address (found on an existing object) is not handed out again', () => {
    const book = new AddressBook();
    book.claim('10.0.0.4', 'node/x');
    assert.equal(book.allocate({ cidr: '10.0.0.0/24', ...CLOUD_SUBNET }, 0, 'lb/y'), '10.0.0.5');
  });
});
