import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostRefusal, originRefusal } from '../../api/browser-guard.ts';

const hosts: [string | undefined, boolean][] = [
  ['127.0.0.1:8080', true],
  ['127.0.0.1', true],
  ['localhost:8080', true],
  ['LOCALHOST:8080', true],
  ['[::1]:8080', true],
  ['evil.example:8080', false],
  ['evil.example', false],
  ['127.0.0.1.evil.example', false],
  ['localhost.evil.example:8080', false],
  ['127.0.0.2:8080', false],
  ['0.0.0.0:8080', false],
  ['127.0.0.1@evil.example', false],
  ['127.0.0.1:8080/x', false],
  ['', false],
  [undefined, false],
];

test('without a token, only requests addressed to a loopback host name are answered (DNS rebinding)', () => {
  for (const [host, accepted] of hosts) assert.equal(hostRefusal(host) === undefined, accepted, String(host));
});

const origins: [string | undefined, string, boolean][] = [
  [undefined, '127.0.0.1:8080', true],
  ['http://127.0.0.1:8080', '127.0.0.1:8080', true],
  ['http://evil.example', '127.0.0.1:8080', false],
  ['http://127.0.0.1:8233', '127.0.0.1:8080', false],
  ['http://localhost:8080', '127.0.0.1:8080', false],
  ['https://127.0.0.1:8080', '127.0.0.1:8080', false],
  ['null', '127.0.0.1:8080', false],
];

test('without a token, a change carrying an Origin is accepted only from the API\'s own origin', () => {
  for (const [origin, host, accepted] of origins) assert.equal(originRefusal(origin, host) === undefined, accepted, `${origin} → ${host}`);
});

test('a refusal says why', () => {
  assert.match(hostRefusal('evil.example:8080')!, /loopback host.*evil\.example:8080/);
  assert.match(originRefusal('http://evil.example', '127.0.0.1:8080')!, /another origin.*evil\.example/);
});
