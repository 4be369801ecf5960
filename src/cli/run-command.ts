import type { AnyCommand } from '../commands/definition.js';
import type { Context } from '../context/context.js';
import { InterruptedError, isDatalayerError } from '../support/errors.js';
import { untilAborted } from '../support/poll.js';
import { parseOptions } from './parse-options.js';

/**
 * Runs one command the way `datalayer` does, for the CLI and for callers in the same process:
 * validates its values against its declaration, takes the project lock it declares, runs it, and
 * reports the result (or the error that ended it). Returns the exit code; clean-ups registered on
 * the context are the caller's to run.
 */
export async function runCommand(command: AnyCommand, raw: Record<string, unknown>, context: Context): Promise<number> {
  let options: Record<string, unknown> | undefined;
  try {
    options = await parseOptions(command, raw);
    const behaviour = await command.load();
    await takeLock(command, options!, context);
    // Ends the wait as soon as the signal fires, even if the command does not observe it itself.
    const result = await untilAborted(behaviour.run(options, context), context.signal);
    context.reporter.result(command.name, result, behaviour.render);
    return result.exitCode;
  } catch (error) {
    const reported = context.signal.aborted && !isDatalayerError(error) ? context.signal.reason : error;
    // The signal also stops the child processes that were given it: return only once they are gone.
    if (context.signal.aborted) await context.runner.stopped(CHILD_EXIT_GRACE_MS);
    if (reported instanceof InterruptedError && options && command.endsWithInterrupt?.(options)) return reported.exitCode;
    return context.reporter.error(command.name, reported);
  }
}

const CHILD_EXIT_GRACE_MS = 3_000;

/** One datalayer at a time per host, for the commands (and runs) whose declaration says so. */
async function takeLock(command: AnyCommand, options: Record<string, unknown>, context: Context): Promise<void> {
  const lock = command.lock;
  if (lock === false || (lock.when && !lock.when(options))) return;
  const waitMs = typeof lock.waitMs === 'function' ? lock.waitMs(options) : lock.waitMs;
  // Another user's `.datalayer/` (root ran datalayer here first): say so and how to hand it over.
  const { assertStateAccess } = await import('../support/project-owner.js');
  assertStateAccess(context.host.stateDir);
  const [{ lockHost }, { isProcessAlive }] = await Promise.all([import('../support/host-lock.js'), import('../process/process-alive.js')]);
  context.onCleanup(await lockHost(context, command.name, waitMs, isProcessAlive));
}
