/**
 * What the API serves about a mesh from Temporal (its status, its latest drill): each read
 * costs a describe and a query that the worker answers, or a visibility list, so a
 * dashboard polling many meshes would load Temporal and the workers rather than the API.
 * Reads of one mesh share one fetch at a time, and its answer serves every read for
 * maxAgeMs: what a caller sees is at most maxAgeMs plus one fetch old.
 * The API forgets a mesh's entry when it changes the mesh itself, so its own caller never
 * reads a status from before their request.
 */
/** A fetch under way, or its answer and when that fetch started (`undefined` is an answer too: a mesh without drills). */
type Entry<T> = { pending: Promise<T> } | { value: T; fetchedAt: number };

export class StatusCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, fetch: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && 'pending' in entry) return entry.pending;
    if (entry && this.now() - entry.fetchedAt < this.maxAgeMs) return entry.value;
    const started = this.now();
    const pending = fetch().then(
      (value) => {
        // A forget() while this fetch ran leaves its answer out: it may be from before the change.
        if (this.isPending(key, pending)) this.entries.set(key, { value, fetchedAt: started });
        return value;
      },
      (error: unknown) => {
        if (this.isPending(key, pending)) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, { pending });
    return pending;
  }

  private isPending(key: string, pending: Promise<T>): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && 'pending' in entry && entry.pending === pending;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
