// What `cellbridge watch` prints as a run goes (cli/progress.ts): in a terminal and in a CI log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progress } from '../../cli/progress.ts';

function output(isTTY: boolean) {
  const written: string[] = [];
  const out = { isTTY, write: (text: string) => (written.push(text), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => written.join('') };
}

const provisioning = (sinceSecondsAgo: number) => ({
  phase: 'Provisioning' as const,
  resources: [{ id: 'azure/vpn-gateway', kind: 'azure.vpnGateway', state: 'creating' as const }, { id: 'aws/vpc', kind: 'aws.vpc', state: 'ready' as const }],
  tunnels: [],
  expected: { seconds: 2817, since: new Date(Date.now() - sinceSecondsAgo * 1000).toISOString() },
});

test('in a terminal, the phase line shows the time since the work began against what the clouds take', () => {
  const { out, text } = output(true);
  progress(out, 'm1', Date.now()).show(provisioning(65));
  assert.match(text().split('\n')[0]!, /^mesh m1 · Provisioning · 1m0[56]s of ~46m57s expected$/);
  assert.match(text(), /resources 1\/2 ready · working on azure\/vpn-gateway/);
});

test('in a log, the phase change says what the clouds take once; without an estimate, only the elapsed time is shown', () => {
  const log = output(false);
  const shown = progress(log.out, 'm1', Date.now());
  shown.show(provisioning(0));
  shown.show(provisioning(5));
  assert.equal(log.text().match(/the clouds take about 46m57s/g)?.length, 1, log.text());
  const tty = output(true);
  progress(tty.out, 'm1', Date.now() - 10_000).show({ phase: 'Ready', resources: [], tunnels: [] });
  assert.match(tty.text().split('\n')[0]!, /^mesh m1 · Ready · 0m1[01]s$/);
});
