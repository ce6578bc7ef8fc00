// The simulator's JSON client for one API server, as the pool's admin (`system:masters`):
// plain node:https with the cluster's CA and the pool's client certificate, so the
// controllers it stands in for need nothing but paths and bodies.
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';
import type { ClusterPki } from '../pki.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    generation?: number;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  };
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

/** Headers of a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' };

/** A non-2xx answer, with its HTTP status (for watches: the ERROR event's code, e.g. 410). */
export class KubeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
/** The server ends a watch after this; the reflector then watches again from where it was. */
const WATCH_SECONDS = 300;

export class AdminClient {
  private readonly agent: Agent;

  constructor(private readonly port: number, pki: Pick<ClusterPki, 'caPem' | 'adminCertPem' | 'adminKeyPem'>) {
    this.agent = new Agent({ keepAlive: true, ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  }

  /** Sends `body` as JSON and answers the parsed JSON; `extraHeaders` may change the content type (MERGE_PATCH) or what is accepted. */
  call<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers = { Accept: 'application/json', ...(text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }), ...extraHeaders };
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.once('end', () => {
          const answer = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve((answer ? JSON.parse(answer) : undefined) as T);
          reject(new KubeError(status, `${method} ${path}: ${status} ${messageOf(answer)}`));
        });
      });
      req.once('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  /**
   * Watches `path` from `resourceVersion`, calling `onEvent` for each event in order; resolves
   * with the last resource version seen when the server ends the watch, rejects with a
   * KubeError on an ERROR event (410: the version is too old, list again) or a broken stream.
   */
  watch(path: string, resourceVersion: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<string> {
    const url = new URL(path, 'https://cluster');
    url.search = new URLSearchParams({ ...Object.fromEntries(url.searchParams), watch: '1', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_SECONDS) }).toString();
    return new Promise((resolve, reject) => {
      let version = resourceVersion;
      const req = request({ host: '127.0.0.1', port: this.port, path: url.pathname + url.search, headers: { Accept: 'application/json' }, agent: this.agent, signal }, (res) => {
        if (res.statusCode !== 200) return (res.resume(), reject(new KubeError(res.statusCode ?? 0, `watch ${path}: ${res.statusCode}`)));
        const lines = createInterface({ input: res });
        lines.on('line', (line) => {
          if (!line.trim()) return;
          try {
            const event = JSON.parse(line) as WatchEvent;
            if (event.type === 'ERROR') throw new KubeError(event.object.code ?? 0, `watch ${path}: ${event.object.message ?? 'error event'}`);
            version = event.object.metadata.resourceVersion ?? version;
            if (event.type !== 'BOOKMARK') onEvent(event);
          } catch (error) {
            reject(error);
            req.destroy();
          }
        });
        lines.once('close', () => resolve(version));
        // readline passes on the response's errors (an aborted or broken stream).
        lines.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function messageOf(answer: string): string {
  try {
    return (JSON.parse(answer) as { message?: string }).message ?? answer;
  } catch {
    return answer;
  }
}
