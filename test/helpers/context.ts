import { Writable } from 'node:stream';
import { runCommand } from '../../src/cli/run-command.js';
import type { AnyCommand } from '../../src/commands/definition.js';
import { commandFieldsOf, packageVersion } from './cli.js';
import type { Context } from '../../src/context/context.js';
import { resolveHostProject } from '../../src/context/host-project.js';
import { ProcessRunner } from '../../src/process/runner.js';
import { Reporter } from '../../src/report/reporter.js';

export interface MakeContextOptions {
  /** Added to (and winning over) a copy of the test process environment. */
  env?: NodeJS.ProcessEnv;
  yes?: boolean;
  interactive?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** `--env-file`, relative to the host directory. */
  envFile?: string;
  signal?: AbortSignal;
}

/** A Context as the CLI builds it, with the reporter writing to memory. */
export interface TestContext extends Context {
  output: {
    stdout(): string;
    stderr(): string;
  };
  /** Runs the clean-up tasks the command registered, newest first, as the entry point does. */
  runCleanups(): Promise<void>;
}

export class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export function makeContext(dir: string, options: MakeContextOptions = {}): TestContext {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const reporter = new Reporter({
    json: options.json ?? false,
    quiet: options.quiet ?? false,
    verbose: options.verbose ?? false,
    color: false,
    stdout,
    stderr,
    version: packageVersion,
  });
  const cleanups: Array<() => void | Promise<void>> = [];
  return {
    host: resolveHostProject({ cwd: dir, envFile: options.envFile }),
    reporter,
    runner: new ProcessRunner((argv, cwd) => reporter.command(argv, cwd)),
    env: { ...process.env, ...options.env },
    yes: options.yes ?? false,
    interactive: options.interactive ?? false,
    signal: options.signal ?? new AbortController().signal,
    onCleanup: (task) => cleanups.push(task),
    output: { stdout: () => stdout.text, stderr: () => stderr.text },
    runCleanups: async () => {
      for (const task of cleanups.splice(0).reverse()) await task();
    },
  };
}

/**
 * Runs a command the way the entry point does (options validated against its declaration, the
 * lock it declares, the result or the error through the reporter); returns the exit code.
 */
export async function invoke(command: AnyCommand, options: Record<string, unknown>, context: TestContext): Promise<number> {
  try {
    return await runCommand(command, options, context);
  } finally {
    await context.runCleanups();
  }
}

/** The single JSON document a `--json` run printed (fails when stdout holds anything else). */
export function jsonOutput(context: TestContext): Record<string, unknown> {
  return JSON.parse(context.output.stdout()) as Record<string, unknown>;
}

/** The command's own fields of that document: `data` on success, the error's `details` on failure. */
export function dataOutput(context: TestContext): Record<string, unknown> {
  return commandFieldsOf(jsonOutput(context));
}
