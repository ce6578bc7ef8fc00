// List-then-watch of one resource path, feeding a controller one object at a time, as a
// client-go informer and work queue do: every change reconciles the object's latest
// version; a failed reconcile is retried later with backoff (whatever it waited for, such
// as a service account, may exist by then).
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeError, type AdminClient, type KubeObject } from './admin-client.ts';

export interface Controller<T extends KubeObject> {
  /** What to list and watch, e.g. `/apis/apps/v1/deployments` (all namespaces), with a selector if any. */
  path: string;
  /** Brings the world in line with `object`; throws to be retried. */
  reconcile(object: T): Promise<void>;
  /** The object is gone. */
  forget?(object: T): void;
}

const RELIST_DELAY_MS = 1_000;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 10_000;

export class Reflector<T extends KubeObject> {
  private readonly latest = new Map<string, T>();
  private readonly retryDelays = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: AdminClient,
    private readonly controller: Controller<T>,
    private readonly signal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        const list = await this.client.call<{ metadata: { resourceVersion: string }; items: T[] }>('GET', this.controller.path);
        const listed = new Set(list.items.map((item) => this.upsert(item)));
        for (const [key, object] of this.latest) if (!listed.has(key)) this.remove(key, object);
        let version = list.metadata.resourceVersion;
        for (;;) version = await this.client.watch(this.controller.path, version, (event) => this.onEvent(event.type, event.object as T), this.signal);
      } catch (error) {
        if (this.signal.aborted) return;
        if (!(error instanceof KubeError && error.status === 410)) this.log(`${this.controller.path}: ${(error as Error).message}; listing again`);
        await sleep(RELIST_DELAY_MS, undefined, { signal: this.signal }).catch(() => undefined);
      }
    }
  }

  /** The objects as last seen (an informer's cache). */
  objects(): T[] {
    return [...this.latest.values()];
  }

  /** Reconciles again every object `which` picks, e.g. after something they depend on changed. */
  resync(which: (object: T) => boolean = () => true): void {
    for (const [key, object] of this.latest) if (which(object)) this.enqueue(key);
  }

  private onEvent(type: string, object: T): void {
    if (type === 'DELETED') this.remove(keyOf(object), object);
    else this.upsert(object);
  }

  private upsert(object: T): string {
    const key = keyOf(object);
    this.latest.set(key, object);
    this.enqueue(key);
    return key;
  }

  private remove(key: string, object: T): void {
    this.latest.delete(key);
    this.retryDelays.delete(key);
    this.controller.forget?.(object);
  }

  private enqueue(key: string): void {
    this.queue = this.queue.then(() => this.process(key));
  }

  private async process(key: string): Promise<void> {
    const object = this.latest.get(key);
    if (!object || this.signal.aborted) return;
    try {
      await this.controller.reconcile(object);
      this.retryDelays.delete(key);
    } catch (error) {
      if (this.signal.aborted) return;
      const delay = this.retryDelays.get(key) ?? RETRY_FIRST_MS;
      this.retryDelays.set(key, Math.min(delay * 2, RETRY_MAX_MS));
      this.log(`${key}: ${(error as Error).message}; retrying in ${delay} ms`);
      setTimeout(() => this.latest.get(key) === object && this.enqueue(key), delay).unref();
    }
  }
}

/** One reflector sees one resource, so namespace and name identify an object (list items carry no kind). */
function keyOf({ metadata }: KubeObject): string {
  return metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
}
