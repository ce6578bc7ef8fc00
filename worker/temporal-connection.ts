/**
 * Connection options for Temporal, from domain/temporal-connection.ts's settings: the same
 * options serve the worker's NativeConnection and the gRPC Connection of the worker's and the
 * API's clients. Also the watchers that pick up rotated credentials without a restart.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConnectionSettings } from '../domain/temporal-connection.ts';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** Reads the files the settings name, now: call again after they change. */
export function temporalConnectionOptions(settings: TemporalConnectionSettings): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: settings.address };
  if (settings.tls) options.tls = tlsConfig(settings.tls);
  if (settings.apiKey) options.apiKey = 'value' in settings.apiKey ? settings.apiKey.value : readApiKey(settings.apiKey.path);
  return options;
}

function tlsConfig(tls: NonNullable<TemporalConnectionSettings['tls']>): TLSConfig {
  return {
    ...(tls.serverCaCertPath ? { serverRootCACertificate: readFileSync(tls.serverCaCertPath) } : {}),
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.clientCertPath && tls.clientKeyPath ? { clientCertPair: { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) } } : {}),
  };
}

function readApiKey(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** Polled, not fs.watch: a mounted Secret changes by swapping a symlink, which stat sees and inotify on the file does not. */
const WATCH_INTERVAL_MS = 2_000;

/**
 * Calls `changed` whenever one of the files changes (its mtime moves), until the returned stop.
 * Errors of `changed` go to `failed`: a half-written file is read again on its next change.
 */
export function watchFiles(paths: string[], changed: () => Promise<void> | void, failed: (error: unknown) => void): () => void {
  const listener = (now: { mtimeMs: number }, before: { mtimeMs: number }) => {
    if (now.mtimeMs === before.mtimeMs) return;
    Promise.resolve().then(changed).catch(failed);
  };
  for (const path of paths) watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, listener);
  return () => paths.forEach((path) => unwatchFile(path, listener));
}

/** The API key file, re-read into every connection that sends it. */
export function watchApiKey(settings: TemporalConnectionSettings, connections: { setApiKey(key: string): unknown }[], failed: (error: unknown) => void): () => void {
  const apiKey = settings.apiKey;
  if (!apiKey || !('path' in apiKey)) return () => undefined;
  return watchFiles([apiKey.path], async () => {
    const key = readApiKey(apiKey.path);
    for (const connection of connections) await connection.setApiKey(key);
  }, failed);
}

/** The client certificate and key files of mutual TLS, if any. */
function clientCertificatePaths(settings: TemporalConnectionSettings): string[] {
  const tls = settings.tls;
  return tls?.clientCertPath && tls.clientKeyPath ? [tls.clientCertPath, tls.clientKeyPath] : [];
}

/**
 * The worker's credentials, reloaded: a changed client certificate or key (or API key file)
 * opens a new NativeConnection that the running worker switches to (the SDK closes the old one);
 * the other connections, whose TLS is fixed when they are made, get the new API key only.
 */
export function reloadWorkerCredentials(
  settings: TemporalConnectionSettings,
  worker: { connection: NativeConnection | undefined },
  others: { setApiKey(key: string): unknown }[],
  log: { reloaded(): void; failed(error: unknown): void },
): () => void {
  const apiKeyPath = settings.apiKey && 'path' in settings.apiKey ? [settings.apiKey.path] : [];
  return watchFiles([...clientCertificatePaths(settings), ...apiKeyPath], async () => {
    const options = temporalConnectionOptions(settings);
    worker.connection = await NativeConnection.connect(options);
    if (options.apiKey !== undefined) for (const other of others) other.setApiKey(options.apiKey);
    log.reloaded();
  }, log.failed);
}

/** How long a replaced connection stays open for the calls already on it (the API's own calls end within seconds). */
const REPLACED_CONNECTION_GRACE_MS = 60_000;

/**
 * The API's connection, replaced when the mutual-TLS client certificate or key changes: a gRPC
 * connection's TLS is fixed when it is made, so a renewed certificate needs a new one. The
 * returned `connection` and whatever `use` builds on it (the API's Client) stand for the current
 * ones: each member is looked up on the newest at every access, so the code holding them
 * (routes, status cache, metrics) follows without being handed anything new. The old connection
 * is closed once the calls already on it had time to end.
 */
export function reloadingConnection<T extends object>(
  settings: TemporalConnectionSettings,
  use: (connection: Connection) => T,
  log: { reloaded(): void; failed(error: unknown): void },
): { connection: Connection; used: T; stop(): void } {
  let connection = Connection.lazy(temporalConnectionOptions(settings));
  let used = use(connection);
  const stop = watchFiles(clientCertificatePaths(settings), () => {
    const replaced = connection;
    connection = Connection.lazy(temporalConnectionOptions(settings));
    used = use(connection);
    setTimeout(() => void replaced.close().catch(log.failed), REPLACED_CONNECTION_GRACE_MS).unref();
    log.reloaded();
  }, log.failed);
  return { connection: newest(() => connection), used: newest(() => used), stop };
}

/** An object whose members are those of `current()` at each access (methods bound to it). */
function newest<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, name) {
      const target = current();
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
