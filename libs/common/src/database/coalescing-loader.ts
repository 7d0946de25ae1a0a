interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Loads by key in batches, one batch in flight at a time: a key asked for while a batch runs goes into
 * the next one, which starts when that one ends. With nothing in flight a key is loaded at once, so an
 * idle server adds no wait; under load, N concurrent look-ups cost one query instead of N round trips
 * (each of which costs the event loop a socket write and the server a statement). The same key asked
 * twice while waiting is loaded once. No caching: callers keep what they may keep.
 */
export class CoalescingLoader<K, V> {
  private queued = new Map<K, Waiter<V>[]>();
  private inFlight = false;

  /** `loadMany` answers the keys it found; a key it leaves out resolves to undefined. */
  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 1000,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.queued.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queued.set(key, [{ resolve, reject }]);
      if (!this.inFlight) this.flush();
    });
  }

  private flush(): void {
    if (!this.queued.size) return;
    const batch = new Map<K, Waiter<V>[]>();
    for (const [key, waiters] of this.queued) {
      if (batch.size >= this.maxBatch) break;
      batch.set(key, waiters);
    }
    for (const key of batch.keys()) this.queued.delete(key);
    this.inFlight = true;
    let loading: Promise<Map<K, V>>;
    try {
      loading = this.loadMany([...batch.keys()]);
    } catch (err) {
      loading = Promise.reject(err);
    }
    const rejectAll = (err: unknown) => batch.forEach((waiters) => waiters.forEach((w) => w.reject(err)));
    loading
      .then((values) => batch.forEach((waiters, key) => waiters.forEach((w) => w.resolve(values.get(key)))), rejectAll)
      // a loadMany that answered something else than a Map: whoever is not settled yet gets the error
      // (settling twice is a no-op), and nothing escapes as an unhandled rejection
      .catch(rejectAll)
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}
