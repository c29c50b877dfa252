/**
 * A delay that `wake()` cuts short, for background loops that poll but can be told there is work.
 * A wake that comes while nobody waits is kept for the next `wait`, which then returns at once:
 * work announced during a round is picked up by the next round, not after a whole delay.
 */
export class WakeableDelay {
  private readonly waiters = new Set<() => void>();
  private wakePending = false;

  /** Resolves after `ms`, or sooner on `wake()`; at once if a wake is already pending. */
  wait(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }

    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.waiters.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.waiters.add(release);
    });
  }

  /** Ends every current wait, or, when nobody waits, the next one. */
  wake(): void {
    if (this.waiters.size === 0) {
      this.wakePending = true;
      return;
    }

    for (const release of [...this.waiters]) release();
  }
}
