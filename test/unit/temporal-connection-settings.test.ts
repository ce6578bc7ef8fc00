/** How the worker and the API reach Temporal, from Temporal's own environment variable names: plain, TLS, mutual TLS, API key; refusals that name the variables and never carry the key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { temporalConnectionSettings, type TemporalConnectionSettings } from '../../domain/temporal-connection.ts';

const accepted: [what: string, env: Record<string, string>, settings: TemporalConnectionSettings][] = [
  ['nothing set: plain, to the local default', {}, { address: '127.0.0.1:7233' }],
  ['an address only: plain', { TEMPORAL_ADDRESS: 'temporal:7233' }, { address: 'temporal:7233' }],
  ['TEMPORAL_TLS=0: plain', { TEMPORAL_TLS: '0' }, { address: '127.0.0.1:7233' }],
  ['TEMPORAL_TLS=1: TLS with the system roots', { TEMPORAL_TLS: '1' }, { address: '127.0.0.1:7233', tls: {} }],
  ['TEMPORAL_TLS=true (any case)', { TEMPORAL_TLS: 'True' }, { address: '127.0.0.1:7233', tls: {} }],
  ['a server CA: TLS without TEMPORAL_TLS', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }, { address: '127.0.0.1:7233', tls: { serverCaCertPath: '/ca.pem' } }],
  ['a server name: TLS with that name checked', { TEMPORAL_TLS_SERVER_NAME: 'temporal.example' }, { address: '127.0.0.1:7233', tls: { serverName: 'temporal.example' } }],
  [
    'mutual TLS: CA, name, client certificate and key',
    { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'front', TEMPORAL_TLS_CLIENT_CERT_PATH: '/tls/crt', TEMPORAL_TLS_CLIENT_KEY_PATH: '/tls/key' },
    { address: 'ns.acct.tmprl.cloud:7233', tls: { serverCaCertPath: '/ca.pem', serverName: 'front', clientCertPath: '/tls/crt', clientKeyPath: '/tls/key' } },
  ],
  ['an API key: implies TLS', { TEMPORAL_API_KEY: 'k-123' }, { address: '127.0.0.1:7233', tls: {}, apiKey: { value: 'k-123' } }],
  ['an API key file: implies TLS', { TEMPORAL_API_KEY_PATH: '/secret/key' }, { address: '127.0.0.1:7233', tls: {}, apiKey: { path: '/secret/key' } }],
  ['an API key with TEMPORAL_TLS=1', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: '1' }, { address: '127.0.0.1:7233', tls: {}, apiKey: { value: 'k' } }],
  ['empty variables count as unset', { TEMPORAL_ADDRESS: '', TEMPORAL_TLS: '', TEMPORAL_API_KEY: ' ', TEMPORAL_TLS_CLIENT_CERT_PATH: '' }, { address: '127.0.0.1:7233' }],
];

for (const [what, env, settings] of accepted) {
  test(`accepts ${what}`, () => {
    assert.deepEqual(temporalConnectionSettings(env), settings);
  });
}

const refused: [what: string, env: Record<string, string>, message: RegExp][] = [
  ['a client certificate without its key', { TEMPORAL_TLS_CLIENT_CERT_PATH: '/crt' }, /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together/],
  ['a client key without its certificate', { TEMPORAL_TLS_CLIENT_KEY_PATH: '/key' }, /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together/],
  ['an API key both inline and from a file', { TEMPORAL_API_KEY: 'secret-value', TEMPORAL_API_KEY_PATH: '/k' }, /TEMPORAL_API_KEY or TEMPORAL_API_KEY_PATH, not both/],
  ['TLS turned off beside an API key', { TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'secret-value' }, /TEMPORAL_TLS is off but TLS is needed by an API key/],
  ['TLS turned off beside a server CA', { TEMPORAL_TLS: '0', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }, /TEMPORAL_TLS is off but TLS is needed by TEMPORAL_TLS_SERVER_CA_CERT_PATH/],
  ['a TEMPORAL_TLS that is not a boolean', { TEMPORAL_TLS: 'yes' }, /TEMPORAL_TLS must be 1\/true or 0\/false, got "yes"/],
];

for (const [what, env, message] of refused) {
  test(`refuses ${what}, naming the variables and not the key`, () => {
    assert.throws(() => temporalConnectionSettings(env), (error: Error) => message.test(error.message) && !error.message.includes('secret-value'));
  });
}
