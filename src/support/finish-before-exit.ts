import type { Context } from '../context/context.js';

/**
 * Ctrl-C ends a command's wait at once (runCommand reports the interruption), but the work itself
 * still has its own clean-up to do: temporary files to remove, a transaction to roll back, objects
 * to put back. The process exits after the context's clean-ups, so one of them waits for the work.
 */
export function finishBeforeExit(context: Pick<Context, 'onCleanup'>, work: Promise<unknown>): void {
  context.onCleanup(async () => {
    // Its outcome (success or error) is reported by the command itself; here only its end matters.
    await work.then(
      () => undefined,
      () => undefined,
    );
  });
}
