/**
 * Runs async work one at a time per key, in arrival order; different keys run in parallel.
 * An entry lives only while some caller holds or waits for its key, so the map is bounded by the number of
 * concurrent callers, not by the number of keys ever seen (every username would otherwise stay forever).
 */
export class KeyedMutex {
  /** Per key: settles when the last queued caller for that key is done. Never rejects. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    try {
      await previous;
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** How many keys are held or awaited right now. */
  get activeKeys(): number {
    return this.tails.size;
  }
}
