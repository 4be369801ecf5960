import { CommanderError } from 'commander';
import type { Context } from '../context/context.js';
import { ExitCode, InterruptedError, UsageError, isDatalayerError } from '../support/errors.js';
import { resolveHostProject } from '../context/host-project.js';
import { ProcessRunner } from '../process/runner.js';
import { Reporter } from '../report/reporter.js';
import { colorAllowed, terminalStyle } from '../report/style.js';
import type { CommandModule } from './command-module.js';
import { buildProgram } from './program.js';

export interface MainIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdinIsTTY: boolean;
  version: string;
}

/** Each command's module is loaded only when that command runs, so --help stays fast. */
const loaders: Record<string, () => Promise<CommandModule>> = {
  init: () => import('../commands/init/run.js') as Promise<CommandModule>,
  check: () => import('../commands/check/run.js') as Promise<CommandModule>,
  up: () => import('../commands/up/run.js') as Promise<CommandModule>,
  down: () => import('../commands/down/run.js') as Promise<CommandModule>,
  status: () => import('../commands/status/run.js') as Promise<CommandModule>,
  logs: () => import('../commands/logs/run.js') as Promise<CommandModule>,
  'update-submodule': () => import('../commands/update-submodule/run.js') as Promise<CommandModule>,
  migrate: () => import('../commands/migrate/run.js') as Promise<CommandModule>,
  secret: () => import('../commands/secret/run.js') as Promise<CommandModule>,
  enable: () => import('../commands/enable/index.js') as Promise<CommandModule>,
  disable: () => import('../commands/disable/index.js') as Promise<CommandModule>,
};

function loadCommand(name: string): Promise<CommandModule> {
  const load = loaders[name];
  if (!load) throw new UsageError(`unknown command ${name}`);
  return load();
}

/** Runs one datalayer invocation and returns its exit code. The only caller of process.exit is bin/. */
export async function main(io: MainIo): Promise<number> {
  const wantsJson = io.argv.includes('--json');
  let exitCode: number = ExitCode.ok;
  let ran = false;

  const program = buildProgram(io.version, async (name, options, args) => {
    ran = true;
    exitCode = await runCommand(name, options, args, io);
  });
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => {
      if (!wantsJson) io.stderr.write(text);
    },
  });
  for (const sub of program.commands) {
    sub.exitOverride();
  }

  try {
    await program.parseAsync(io.argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.ok;
      }
      if (wantsJson) {
        const reporter = new Reporter({ json: true, quiet: false, verbose: false, color: false, stdout: io.stdout, stderr: io.stderr });
        return reporter.error(io.argv.find((a) => !a.startsWith('-')) ?? 'datalayer', new UsageError(error.message.replace(/^error: /, '')));
      }
      return ExitCode.usage;
    }
    throw error;
  }
  if (!ran && io.argv.length === 0) {
    program.outputHelp();
  }
  return exitCode;
}

async function runCommand(name: string, options: Record<string, unknown>, args: string[], io: MainIo): Promise<number> {
  const color = colorAllowed({ noColor: options.color === false, env: io.env, isTTY: io.stderr.isTTY === true });
  const reporter = new Reporter({
    json: options.json === true,
    quiet: options.quiet === true,
    verbose: options.verbose === true,
    color,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(color ? { style: await terminalStyle() } : {}),
  });
  const controller = new AbortController();
  const cleanups: Array<() => void | Promise<void>> = [];
  const runCleanups = async () => {
    for (const task of cleanups.splice(0).reverse()) {
      try {
        await task();
      } catch (error) {
        reporter.warn(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const host = resolveHostProject({ cwd: options.cwd as string | undefined, envFile: options.envFile as string | undefined });
    const context: Context = {
      host,
      reporter,
      runner: new ProcessRunner((argv, cwd) => reporter.command(argv, cwd)),
      env: io.env,
      yes: options.yes === true,
      interactive: io.stdinIsTTY && io.stderr.isTTY === true,
      signal: controller.signal,
      onCleanup: (task) => cleanups.push(task),
    };
    const module = await loadCommand(name);
    const result = await abortable(module.run({ ...options, args }, context), controller.signal);
    reporter.result(name, result, module.render);
    return result.exitCode;
  } catch (error) {
    const reported = controller.signal.aborted && !isDatalayerError(error) ? controller.signal.reason : error;
    return reporter.error(name, reported);
  } finally {
    await runCleanups();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Ends the wait as soon as the signal fires, even if the command does not observe it itself. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
