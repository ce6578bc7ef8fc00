/**
 * Tunnel keys kept in the worker (activities/aws/tunnel-keys.ts): one AWS read per VPN
 * connection serves both its tunnels for five minutes; a fresh read replaces what was kept;
 * a tunnel the kept keys lack, and a failed read, are read again. The reader is a stand-in
 * for DescribeVpnConnections that counts its calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelKeys } from '../../activities/aws/tunnel-keys.ts';

const A = '169.254.21.0/30';
const B = '169.254.22.0/30';

function aws(keys: Record<string, Record<string, string>>) {
  const reads: string[] = [];
  const read = async (region: string, vpn: string) => {
    reads.push(`${region}/${vpn}`);
    if (!(vpn in keys)) throw new Error(`InvalidVpnConnectionID.NotFound: ${vpn}`);
    return new Map(Object.entries(keys[vpn]!));
  };
  return { read, reads };
}

test('both tunnels of one VPN connection are served by one read, also when asked together; another VPN connection is its own read', async () => {
  const cloud = aws({ 'vpn-1': { [A]: 'keyA1xxxx', [B]: 'keyB1xxxx' }, 'vpn-2': { [A]: 'keyA2xxxx' } });
  const keys = new TunnelKeys(cloud.read);
  assert.deepEqual(await Promise.all([keys.key('r', 'vpn-1', A), keys.key('r', 'vpn-1', B)]), ['keyA1xxxx', 'keyB1xxxx']);
  assert.equal(await keys.key('r', 'vpn-1', B), 'keyB1xxxx');
  assert.equal(await keys.key('r', 'vpn-2', A), 'keyA2xxxx');
  assert.deepEqual(cloud.reads, ['r/vpn-1', 'r/vpn-2']);
});

test('kept for five minutes: the next read comes at 5 min, and answers what AWS holds then', async () => {
  let now = 0;
  const held = { 'vpn-1': { [A]: 'oldAxxxxx' } };
  const cloud = aws(held);
  const keys = new TunnelKeys(cloud.read, () => now);
  await keys.key('r', 'vpn-1', A);
  held['vpn-1'] = { [A]: 'newAxxxxx' };
  now = 5 * 60_000 - 1;
  assert.equal(await keys.key('r', 'vpn-1', A), 'oldAxxxxx');
  now = 5 * 60_000;
  assert.equal(await keys.key('r', 'vpn-1', A), 'newAxxxxx');
  assert.equal(cloud.reads.length, 2);
});

test('a fresh read asks AWS whatever is kept, and what it read is what the next read is served', async () => {
  const held = { 'vpn-1': { [A]: 'oldAxxxxx', [B]: 'oldBxxxxx' } };
  const cloud = aws(held);
  const keys = new TunnelKeys(cloud.read);
  await keys.key('r', 'vpn-1', A);
  held['vpn-1'] = { [A]: 'newAxxxxx', [B]: 'newBxxxxx' };
  assert.equal(await keys.key('r', 'vpn-1', A, true), 'newAxxxxx');
  assert.equal(await keys.key('r', 'vpn-1', B), 'newBxxxxx');
  assert.equal(cloud.reads.length, 2);
});

test('a tunnel the kept keys lack is read again, and one AWS has no key for fails naming the tunnel, not a key', async () => {
  const held: Record<string, Record<string, string>> = { 'vpn-1': { [A]: 'keyA1xxxx' } };
  const cloud = aws(held);
  const keys = new TunnelKeys(cloud.read);
  await keys.key('r', 'vpn-1', A);
  held['vpn-1'] = { [A]: 'keyA1xxxx', [B]: 'keyB1xxxx' };
  assert.equal(await keys.key('r', 'vpn-1', B), 'keyB1xxxx');
  assert.equal(cloud.reads.length, 2);
  await assert.rejects(keys.key('r', 'vpn-1', '169.254.23.0/30'), (e: Error) => e.message === 'VPN connection vpn-1 reports no pre-shared key for tunnel 169.254.23.0/30');
});

test('a failed read is not kept: the next one asks AWS again', async () => {
  const held: Record<string, Record<string, string>> = {};
  const cloud = aws(held);
  const keys = new TunnelKeys(cloud.read);
  await assert.rejects(keys.key('r', 'vpn-1', A), /NotFound/);
  held['vpn-1'] = { [A]: 'keyA1xxxx' };
  assert.equal(await keys.key('r', 'vpn-1', A), 'keyA1xxxx');
  assert.deepEqual(cloud.reads, ['r/vpn-1', 'r/vpn-1']);
});
