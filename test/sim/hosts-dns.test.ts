// The proving ground's name server over the kube pool's hosts file (sim/dns/hosts-dns.ts),
// asked by node's own DNS client, and the product's gateway-address resolution against it.
import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gatewayIps, hostnameResolver } from '../../activities/kube/gateway-address.ts';
import { startHostsDns, type HostsDns } from '../../sim/dns/hosts-dns.ts';

const NLB = 'k8s-istiosys-istioeas-0123456789-0123456789abcdef.elb.us-east-1.amazonaws.com';

describe('name server over the pool hosts file', () => {
  const hosts = join(mkdtempSync(join(tmpdir(), 'cellbridge-dns-')), 'hosts');
  let server: HostsDns;
  const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });

  before(async () => {
    writeFileSync(hosts, `# load-balancer names\n10.10.1.77 ${NLB}\n10.10.0.77 ${NLB}\n`);
    server = await startHostsDns(hosts);
    resolver.setServers([server.server]);
  });
  after(() => server.stop());

  test('answers A queries from the file as it is now, and NXDOMAIN for any other name', async () => {
    assert.deepEqual((await resolver.resolve4(NLB)).sort(), ['10.10.0.77', '10.10.1.77']);
    assert.deepEqual(await resolver.resolve4(NLB.toUpperCase()).then((ips) => ips.sort()), ['10.10.0.77', '10.10.1.77'], 'names are case-insensitive');
    await assert.rejects(resolver.resolve4('example.com'), { code: 'ENOTFOUND' });
    writeFileSync(hosts, `10.10.2.9 ${NLB}\n`);
    assert.deepEqual(await resolver.resolve4(NLB), ['10.10.2.9'], 'a rewritten file is read at once');
    writeFileSync(hosts, `10.10.0.77 ${NLB}\n10.10.1.77 ${NLB}\n`);
  });

  test('the product resolves an EKS gateway hostname through it; an IP stays itself; an unknown name or a placeholder is reported, not thrown', async () => {
    const resolve = hostnameResolver([server.server]);
    assert.deepEqual(await gatewayIps(NLB, resolve), { eastWestIps: ['10.10.0.77', '10.10.1.77'] });
    assert.deepEqual(await gatewayIps('10.20.0.50', resolve), { eastWestIps: ['10.20.0.50'] });
    assert.deepEqual(await gatewayIps('gone.elb.us-east-1.amazonaws.com', resolve), { eastWestUnresolved: 'DNS: ENOTFOUND' });
    assert.deepEqual(await gatewayIps('Gateway istio-east-west HBONE:15008 (address pending istiod)', resolve), { eastWestUnresolved: 'neither an IPv4 address nor a DNS name' });
    assert.deepEqual(await gatewayIps(undefined, resolve), {});
  });
});
