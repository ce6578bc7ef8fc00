import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionBgpAddresses, gatewayInstanceAddresses, planTunnels } from '../../domain/apipa-plan.ts';
import { DEFAULTS } from '../../domain/mesh-spec.ts';

test('AWS takes the first host (.1) and Azure the second (.2) of every tunnel /30', () => {
  const cases: [string, string, string][] = [
    ['169.254.21.0/30', '169.254.21.1', '169.254.21.2'],
    ['169.254.22.4/30', '169.254.22.5', '169.254.22.6'],
    ['169.254.21.252/30', '169.254.21.253', '169.254.21.254'],
  ];
  for (const [cidr, aws, azure] of cases) {
    const [tunnel] = planTunnels([cidr]);
    assert.equal(tunnel?.awsBgpAddress, aws, cidr);
    assert.equal(tunnel?.azureBgpAddress, azure, cidr);
  }
});

test('the default plan reproduces Microsoft reference table: connections 0/1 onto gateway instances 0/1', () => {
  const plan = planTunnels(DEFAULTS.tunnelInsideCidrs);
  assert.deepEqual(
    plan.map((t) => [t.connection, t.tunnel, t.insideCidr, t.awsBgpAddress, t.azureBgpAddress]),
    [
      [0, 0, '169.254.21.0/30', '169.254.21.1', '169.254.21.2'],
      [0, 1, '169.254.22.0/30', '169.254.22.1', '169.254.22.2'],
      [1, 0, '169.254.21.4/30', '169.254.21.5', '169.254.21.6'],
      [1, 1, '169.254.22.4/30', '169.254.22.5', '169.254.22.6'],
    ],
  );
  assert.deepEqual(gatewayInstanceAddresses(plan), [
    ['169.254.21.2', '169.254.22.2'],
    ['169.254.21.6', '169.254.22.6'],
  ]);
});

test('each Azure connection names both instances, the terminating one with its own tunnel .2', () => {
  const plan = planTunnels(DEFAULTS.tunnelInsideCidrs);
  const cases: [number, [string, string]][] = [
    [0, ['169.254.21.2', '169.254.21.6']],
    [1, ['169.254.22.2', '169.254.21.6']],
    [2, ['169.254.21.2', '169.254.21.6']],
    [3, ['169.254.21.2', '169.254.22.6']],
  ];
  for (const [index, expected] of cases) assert.deepEqual(connectionBgpAddresses(plan, plan[index]!), expected, `tunnel ${index}`);
});
