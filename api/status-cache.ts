/**
 * A mesh's status as the API serves it: each read of the workflow costs a describe and a
 * query that the worker answers, so a dashboard polling many meshes would load the workers
 * rather than the API. Reads of one mesh share one fetch at a time, and its answer serves
 * every read for maxAgeMs: what a caller sees is at most maxAgeMs plus one fetch old.
 * The API forgets a mesh's entry when it changes the mesh itself, so its own caller never
 * reads a status from before their request.
 */
interface Entry<T> {
  value?: T;
  fetchedAt: number;
  pending?: Promise<T>;
}

export class StatusCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, fetch: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry?.value !== undefined && this.now() - entry.fetchedAt < this.maxAgeMs) return entry.value;
    if (entry?.pending) return entry.pending;
    const started = this.now();
    const pending = fetch().then(
      (value) => {
        // A forget() while this fetch ran leaves its answer out: it may be from before the change.
        if (this.entries.get(key)?.pending === pending) this.entries.set(key, { value, fetchedAt: started });
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(key)?.pending === pending) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, { ...entry, fetchedAt: entry?.fetchedAt ?? 0, pending });
    return pending;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
