/** Sleepers that wake at their timeout or at the next `wake()`, whichever comes first. */
export class Wakeup {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at the next `wake()`; leaves no timer behind. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.sleepers.add(done);
    });
  }

  /** Wakes everyone sleeping now. */
  wake(): void {
    if (this.sleepers.size === 0) return;
    for (const s of [...this.sleepers]) s();
  }
}
