/**
 * The revalidator's waits (for a session's turn, for a free call slot), all cut short
 * by stop(): at shutdown no pending turn may start, and nothing waits for a timer.
 * A set of wake-up functions rather than racing one long-lived "stopped" promise:
 * every race would leave a reaction on it until shutdown, one per session per round.
 */
export class StoppableWait {
  private readonly wakers = new Set<() => void>();
  private stopRequested = false;

  get stopped(): boolean {
    return this.stopRequested;
  }

  stop(): void {
    this.stopRequested = true;
    for (const wake of [...this.wakers]) wake();
  }

  /** Resolves after `ms` (at once when not positive), or at stop. */
  delay(ms: number): Promise<void> {
    if (ms <= 0 || this.stopRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      // The agent's other work keeps the process alive; a revalidation timer alone must not.
      timer.unref();
      this.wakers.add(wake);
    });
  }

  /** Resolves when one of `promises` settles, or at stop. */
  anySettled(promises: Iterable<Promise<unknown>>): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
      for (const promise of promises) promise.then(wake, wake);
    });
  }
}
