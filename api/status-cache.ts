/**
 * What the API serves about a mesh from Temporal (its status, its latest drill): each read
 * costs a describe and a query that the worker answers, or a visibility list, so a
 * dashboard polling many meshes would load Temporal and the workers rather than the API. Reads of one mesh share one fetch at a time, and its answer serves
 * every read for maxAgeMs: what a caller sees is at most maxAgeMs plus one fetch old.
 * The API forgets a mesh's entry when it changes the mesh itself, so its own caller never
 * reads a status from before their request.
 */
interface Entry<T> {
  /** Absent until a fetch answered; `undefined` is an answer too (a mesh without drills). */
  answer?: { value: T };
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
    if (entry?.answer && this.now() - entry.fetchedAt < this.maxAgeMs) return entry.answer.value;
    if (entry?.pending) return entry.pending;
    const started = this.now();
    const pending = fetch().then(
      (value) => {
        // A forget() while this fetch ran leaves its answer out: it may be from before the change.
        if (this.entries.get(key)?.pending === pending) this.entries.set(key, { answer: { value }, fetchedAt: started });
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
