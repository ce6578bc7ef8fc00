/**
 * How the worker and the API reach Temporal: plain, TLS (server CA, server name), mutual TLS
 * (client certificate and key) or an API key. Pure: paths are read by worker/temporal-connection.ts.
 * The variable names are those of Temporal's own client environment configuration, plus
 * TEMPORAL_API_KEY_PATH for a key mounted from a Secret (re-read when it changes).
 */
import type { Env } from './settings.ts';

export interface TemporalTls {
  serverCaCertPath?: string;
  serverName?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
}

export type TemporalApiKey = { value: string } | { path: string };

export interface TemporalConnectionSettings {
  address: string;
  /** Absent: a plain connection. */
  tls?: TemporalTls;
  apiKey?: TemporalApiKey;
}

const TLS_VARIABLES = ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'] as const;

export function temporalConnectionSettings(env: Env): TemporalConnectionSettings {
  const address = set(env.TEMPORAL_ADDRESS) ?? '127.0.0.1:7233';
  const apiKey = apiKeyFrom(env);
  const tlsFlag = flag(env, 'TEMPORAL_TLS');
  const tlsNamed = TLS_VARIABLES.filter((name) => set(env[name]) !== undefined);
  if (tlsFlag === false && (tlsNamed.length > 0 || apiKey)) {
    throw new Error(`TEMPORAL_TLS is off but TLS is needed by ${[...tlsNamed, ...(apiKey ? ['an API key'] : [])].join(', ')}`);
  }
  // An API key travels as a bearer token: only over TLS, as Temporal Cloud requires.
  const tls = tlsFlag || tlsNamed.length > 0 || apiKey !== undefined ? tlsFrom(env) : undefined;
  return { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

function tlsFrom(env: Env): TemporalTls {
  const clientCertPath = set(env.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const clientKeyPath = set(env.TEMPORAL_TLS_CLIENT_KEY_PATH);
  if ((clientCertPath === undefined) !== (clientKeyPath === undefined)) {
    throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both for mutual TLS, or neither');
  }
  const tls: TemporalTls = {};
  const serverCaCertPath = set(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  const serverName = set(env.TEMPORAL_TLS_SERVER_NAME);
  if (serverCaCertPath) tls.serverCaCertPath = serverCaCertPath;
  if (serverName) tls.serverName = serverName;
  if (clientCertPath && clientKeyPath) Object.assign(tls, { clientCertPath, clientKeyPath });
  return tls;
}

function apiKeyFrom(env: Env): TemporalApiKey | undefined {
  const value = set(env.TEMPORAL_API_KEY);
  const path = set(env.TEMPORAL_API_KEY_PATH);
  if (value && path) throw new Error('set TEMPORAL_API_KEY or TEMPORAL_API_KEY_PATH, not both');
  if (value) return { value };
  if (path) return { path };
  return undefined;
}

function flag(env: Env, name: string): boolean | undefined {
  const raw = set(env[name])?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`${name} must be 1/true or 0/false, got "${env[name]}"`);
}

function set(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
