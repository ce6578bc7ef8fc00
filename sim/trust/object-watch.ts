/**
 * Follows one named ConfigMap or Secret with a Kubernetes watch rather than a poll: the API
 * server sends every write as its own event, in order, from the resourceVersion a watch
 * resumes at, so no state is skipped however quickly writes follow one another, and an idle
 * object costs no requests (two shared cores). A watch the server ends, or that fails, is
 * resumed from the last version seen, which loses nothing; only a version too old to resume
 * from (410 Gone) forces a fresh read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, Watch, type KubeConfig, type V1ConfigMap, type V1Secret, type V1Status } from '@kubernetes/client-node';

export interface WatchedObject {
  kind: 'configmaps' | 'secrets';
  namespace: string;
  name: string;
}

export interface ObjectListener {
  /** The object's `data` after a write, or undefined once it is gone (or before it exists). */
  changed(data: Record<string, string> | undefined): void;
  /** Reading or watching failed; the last state reported still holds. */
  failed(reason: string): void;
}

export class ObjectWatch {
  private stopped = false;
  private controller: AbortController | undefined;
  /** Where the next watch resumes; undefined until a read succeeds, and after 410 Gone. */
  private resourceVersion: string | undefined;
  private following: Promise<void> | undefined;

  constructor(
    readonly config: KubeConfig,
    readonly object: WatchedObject,
    private readonly listener: ObjectListener,
    /** Pause before trying again after an error or an ended watch, so a failing server is not hammered. */
    private readonly retryMs = 200,
  ) {}

  /** Reads the object once, as a list so its resourceVersion can start a watch; failures are reported, not thrown. */
  async read(): Promise<void> {
    const { kind, namespace, name } = this.object;
    const core = this.config.makeApiClient(CoreV1Api);
    const fieldSelector = `metadata.name=${name}`;
    try {
      const list = kind === 'secrets' ? await core.listNamespacedSecret({ namespace, fieldSelector }) : await core.listNamespacedConfigMap({ namespace, fieldSelector });
      this.listener.changed(list.items[0]?.data);
      this.resourceVersion = list.metadata?.resourceVersion;
    } catch (error) {
      this.listener.failed(`reading ${this.label()} failed: ${(error as Error).message}`);
    }
  }

  /** Reads, then follows every change until stop(). */
  async start(): Promise<void> {
    await this.read();
    this.following = this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.following;
  }

  private async follow(): Promise<void> {
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
          else this.listener.failed(`watching ${this.label()} failed: ${(error as Error).message}`);
        }
      }
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  private label(): string {
    return `${this.object.kind} ${this.object.namespace}/${this.object.name}`;
  }

  /** Resolves when the server ends the watch; rejects on an error, with `statusCode` 410 when `from` is too old. */
  private watchFrom(from: string): Promise<void> {
    const { kind, namespace, name } = this.object;
    return new Promise((resolve, reject) => {
      const onEvent = (type: string, object: (V1Secret | V1ConfigMap) & V1Status) => {
        if (type === 'ERROR') {
          reject(Object.assign(new Error(`the watch ended: ${object.message}`), { statusCode: object.code }));
          this.controller?.abort();
          return;
        }
        // Bookmarks carry only this: they keep the version fresh, so a resume after a quiet spell is not 410.
        this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED') this.listener.changed(object.data);
        if (type === 'DELETED') this.listener.changed(undefined);
      };
      new Watch(this.config)
        .watch(`/api/v1/namespaces/${namespace}/${kind}`, { fieldSelector: `metadata.name=${name}`, resourceVersion: from, allowWatchBookmarks: true }, onEvent, (error) => (error ? reject(error) : resolve()))
        .then((controller) => {
          this.controller = controller;
          // stop() came while the watch was connecting.
          if (this.stopped) controller.abort();
        }, reject);
    });
  }
}
