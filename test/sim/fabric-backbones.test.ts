// When the pool's backbone link between an EKS and an AKS cell is up (sim/kube/fabric-backbones.ts): as a table over the fabric's answer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backboneUp, cellPairs, within, type FabricRoutes } from '../../sim/kube/fabric-backbones.ts';

const eks = { key: 'eks-a', flavor: 'eks' as const, nodeCidr: '10.10.0.0/24' };
const aks = { key: 'aks-b', flavor: 'aks' as const, nodeCidr: '10.20.0.0/22' };
const fabric = (tunnels: FabricRoutes['tunnels'], azureLearned: { network: string; origin: string }[]): FabricRoutes => ({ tunnels, learnedRoutes: { '/gw': azureLearned } });
const vnet = { network: '10.20.0.0/16', origin: 'Network' };
const fromAws = { network: '10.10.0.0/16', origin: 'EBgp' };

describe('backboneUp', () => {
  const rows: [string, FabricRoutes, boolean][] = [
    ['BGP established on one tunnel, each side learned the other\'s prefix', fabric([{ bgpEstablished: true, acceptedPrefixes: ['10.20.0.0/16'] }, { bgpEstablished: false, acceptedPrefixes: [] }], [vnet, fromAws]), true],
    ['every tunnel down (an outage): AWS accepted nothing, Azure learned only its own VNet', fabric([{ bgpEstablished: false, acceptedPrefixes: [] }], [vnet]), false],
    ['AWS learned the VNet but Azure learned nothing over BGP', fabric([{ bgpEstablished: true, acceptedPrefixes: ['10.20.0.0/16'] }], [vnet]), false],
    ['a prefix accepted on a tunnel without BGP does not count', fabric([{ bgpEstablished: false, acceptedPrefixes: ['10.20.0.0/16'] }], [vnet, fromAws]), false],
    ['the learned prefixes are another mesh\'s', fabric([{ bgpEstablished: true, acceptedPrefixes: ['10.40.0.0/16'] }], [vnet, { network: '10.30.0.0/16', origin: 'EBgp' }]), false],
    ['the VNet\'s own route (origin Network) is not learned from AWS', fabric([{ bgpEstablished: true, acceptedPrefixes: ['10.20.0.0/16'] }], [{ network: '10.10.0.0/16', origin: 'Network' }]), false],
  ];
  for (const [name, answer, up] of rows) test(name, () => assert.equal(backboneUp(answer, eks, aks), up));
});

describe('within and cellPairs', () => {
  const rows: [string, string, boolean][] = [
    ['10.10.0.0/24', '10.10.0.0/16', true],
    ['10.10.0.0/16', '10.10.0.0/24', false],
    ['10.11.0.0/24', '10.10.0.0/16', false],
    ['10.20.0.0/22', '10.20.0.0/22', true],
    ['192.168.1.0/24', '0.0.0.0/0', true],
  ];
  for (const [inner, outer, inside] of rows) test(`${inner} ${inside ? 'lies' : 'does not lie'} inside ${outer}`, () => assert.equal(within(inner, outer), inside));
  test('every EKS cell pairs with every AKS cell, once', () => {
    const eks2 = { ...eks, key: 'eks-c' };
    assert.deepEqual(cellPairs([eks, aks, eks2]).map(([a, b]) => `${a.key}+${b.key}`), ['eks-a+aks-b', 'eks-c+aks-b']);
  });
});
