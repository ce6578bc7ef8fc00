/**
 * Describes of resources of one kind that come together, answered by one listing: the engine
 * polls a mesh's two VPN connections on the same schedule (made together, each polled from its
 * create's answer), so their describes come in pairs a few milliseconds apart. The first asks
 * and waits `windowMs` for the others; then one listing answers them all. The listing is sent
 * after every describe it answers was asked, so none sees the cloud as it was before it asked;
 * each caller then picks its own resource out of it, as its own describe would have.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class GatheredListing<K, T> {
  private readonly gathering = new Map<string, Promise<T>>();

  constructor(
    private readonly list: (key: K) => Promise<T>,
    private readonly keyOf: (key: K) => string,
    private readonly windowMs: number,
  ) {}

  get(key: K): Promise<T> {
    const id = this.keyOf(key);
    const gathering = this.gathering.get(id);
    if (gathering) return gathering;
    const answer = sleep(this.windowMs).then(() => {
      // Whoever asks from now on asks after this listing left: a listing of its own.
      this.gathering.delete(id);
      return this.list(key);
    });
    this.gathering.set(id, answer);
    return answer;
  }
}
