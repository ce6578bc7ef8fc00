/**
 * A cluster's access fields (API server, CA, admin credential), kept in the worker's memory
 * for a bounded time so that the many Kubernetes activities of one mesh do not each ask the
 * cloud again (a listClusterAdminCredentials or DescribeCluster per activity). They live in
 * this process only: never returned to a workflow, never logged. A cluster that is not there
 * is not remembered, and an auth failure forgets everything (`forget`), so a credential the
 * cloud rotated is fetched anew by the retried attempt.
 */
const KEEP_MS = 10 * 60_000;

export class CredentialCache<T> {
  // The promise itself is kept, so that activities starting together share one fetch.
  private readonly entries = new Map<string, { value: Promise<T | undefined>; fetchedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The remembered value of `key` while it is fresh, else what `fetch` answers (remembered unless undefined or failed). */
  get(key: string, fetch: () => Promise<T | undefined>): Promise<T | undefined> {
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.fetchedAt < KEEP_MS) return cached.value;
    const entry = { value: fetch(), fetchedAt: this.now() };
    this.entries.set(key, entry);
    const drop = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.value.then((value) => value === undefined && drop(), drop);
    return entry.value;
  }

  forget(): void {
    this.entries.clear();
  }
}
