/**
 * Runs tasks a few at a time: `add` waits while `limit` are running. The first failure is kept and
 * thrown by `add` (no new task starts after it) and by `settle`, which waits for every task that
 * started, so a caller never undoes work that is still in flight.
 */
export class BoundedTasks {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure.error;
    const run: Promise<void> = task().then(
      () => {
        this.running.delete(run);
      },
      (error: unknown) => {
        this.running.delete(run);
        this.failure ??= { error };
      },
    );
    this.running.add(run);
  }

  /** Waits for every started task; throws the first failure. */
  async settle(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}
