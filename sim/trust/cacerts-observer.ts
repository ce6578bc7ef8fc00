/**
 * Follows one cluster's istio-system/cacerts with a Kubernetes watch rather than a poll:
 * the API server sends every write as its own event, in order, from the resourceVersion
 * a watch resumes at, so no intermediate state is skipped however quickly writes follow
 * one another, and an idle mesh costs no requests (two shared cores). A watch the server
 * ends, or that fails, is resumed from the last version seen, which loses nothing; only
 * a version too old to resume from (410 Gone) forces a fresh read.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, Watch, type KubeConfig, type V1Secret, type V1Status } from '@kubernetes/client-node';
import { readCacerts } from '../../activities/pki/cacerts.ts';

const NAMESPACE = 'istio-system';
const FIELD_SELECTOR = 'metadata.name=cacerts';

export interface CacertsListener {
  /** A cacerts that parses and differs from the last one reported; `digest` names its content. */
  changed(cluster: string, data: Record<string, string>, digest: string): void;
  /** The cacerts could not be read, was deleted or does not parse; the last good one still holds. */
  unreadable(cluster: string, reason: string): void;
}

export class CacertsObserver {
  private stopped = false;
  private controller: AbortController | undefined;
  /** Where the next watch resumes; undefined until a read succeeds, and after 410 Gone. */
  private resourceVersion: string | undefined;
  private digest: string | undefined;

  constructor(
    readonly cluster: string,
    private readonly config: KubeConfig,
    private readonly listener: CacertsListener,
    /** Pause before trying again after an error or an ended watch, so a failing server is not hammered. */
    private readonly retryMs: number,
  ) {}

  /** Reads cacerts once, as a list so its resourceVersion can start a watch; failures are reported, not thrown. */
  async read(): Promise<void> {
    try {
      const list = await this.config.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: NAMESPACE, fieldSelector: FIELD_SELECTOR });
      this.take(list.items[0]);
      this.resourceVersion = list.metadata?.resourceVersion;
    } catch (error) {
      this.listener.unreadable(this.cluster, `reading cacerts failed: ${(error as Error).message}`);
    }
  }

  /** Watches until stop(). */
  async follow(): Promise<void> {
    while (!this.stopped) {
      const from = this.resourceVersion;
      if (from === undefined) {
        await this.read();
      } else {
        try {
          await this.watchFrom(from);
        } catch (error) {
          if (this.stopped) break;
          if ((error as { statusCode?: number }).statusCode === 410) this.resourceVersion = undefined;
          else this.listener.unreadable(this.cluster, `watching cacerts failed: ${(error as Error).message}`);
        }
      }
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  /** Resolves when the server ends the watch; rejects on an error, with `statusCode` 410 when `from` is too old. */
  private watchFrom(from: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onEvent = (type: string, object: V1Secret & V1Status) => {
        if (type === 'ERROR') {
          reject(Object.assign(new Error(`the watch ended: ${object.message}`), { statusCode: object.code }));
          this.controller?.abort();
          return;
        }
        // Bookmarks carry only this: they keep the version fresh, so a resume after a quiet spell is not 410.
        this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED') this.take(object);
        if (type === 'DELETED') this.take(undefined);
      };
      new Watch(this.config)
        .watch(`/api/v1/namespaces/${NAMESPACE}/secrets`, { fieldSelector: FIELD_SELECTOR, resourceVersion: from, allowWatchBookmarks: true }, onEvent, (error) => (error ? reject(error) : resolve()))
        .then((controller) => {
          this.controller = controller;
          // stop() came while the watch was connecting.
          if (this.stopped) controller.abort();
        }, reject);
    });
  }

  private take(secret: V1Secret | undefined): void {
    if (!secret) return this.listener.unreadable(this.cluster, `${NAMESPACE}/cacerts does not exist`);
    const data = secret.data ?? {};
    try {
      readCacerts(data);
    } catch (error) {
      return this.listener.unreadable(this.cluster, (error as Error).message);
    }
    const digest = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex').slice(0, 16);
    // Same content (a write that changed only metadata, or a fresh read): no new state of trust.
    if (digest === this.digest) return;
    this.digest = digest;
    this.listener.changed(this.cluster, data, digest);
  }
}
