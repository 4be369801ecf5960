import { CommanderError } from 'commander';
import { commands } from '../commands/index.js';
import type { AnyCommand } from '../commands/definition.js';
import type { Context } from '../context/context.js';
import { projectOptionsFor, resolveHostProject } from '../context/host-project.js';
import { invocationOf } from '../context/invocation.js';
import { ProcessRunner } from '../process/runner.js';
import { Reporter } from '../report/reporter.js';
import { colorAllowed, terminalStyle } from '../report/style.js';
import { ExitCode, InterruptedError, isClosedOutput, OutputClosedError, UsageError } from '../support/errors.js';
import { helpData, helpSubject } from './help-document.js';
import { buildProgram } from './program.js';
import { runCommand } from './run-command.js';

export interface MainIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Whether stdin is a terminal; false also when stderr is not one (no prompt is asked then). */
  stdinIsTTY: boolean;
  version: string;
  /** The script node runs (`process.argv[1]`), to say commands the way the user started us. */
  scriptPath?: string;
  /** The directory the command is run from; `process.cwd()` when not given. */
  cwd?: string;
}

/** Runs one datalayer invocation and returns its exit code. The only caller of process.exit is bin/. */
export async function main(io: MainIo): Promise<number> {
  const wantsJson = io.argv.includes('--json');
  const invocation = invocationOf({ env: io.env, scriptPath: io.scriptPath });
  // Before a command is known, commander's own output (help, usage errors) goes through this one.
  const shell = new Reporter({ json: wantsJson, quiet: false, verbose: false, color: false, stdout: io.stdout, stderr: io.stderr, version: io.version, invocation });
  let exitCode: number = ExitCode.ok;
  let parsing = 'datalayer';
  // Under --json, help and version become the data of the one document instead of text.
  let shown = '';
  const program = buildProgram(
    io.version,
    commands,
    async (command, values, globals) => {
      exitCode = await runFromCommandLine(command, values, globals, io, invocation);
    },
    { writeOut: (text) => (wantsJson ? (shown += text) : shell.help(text)), writeErr: (text) => shell.usage(text) },
    io.argv,
  );
  program.hook('preSubcommand', (_program, subcommand) => {
    parsing = subcommand.name();
  });

  try {
    await program.parseAsync(io.argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const asked = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0);
    if (asked) {
      if (wantsJson) {
        const subject = error.code === 'commander.version' ? 'datalayer' : helpSubject(program, shown);
        const data = error.code === 'commander.version' ? { version: io.version } : helpData(program, subject, shown);
        shell.result(subject, { exitCode: ExitCode.ok, diagnostics: [], data }, () => '');
      }
      return ExitCode.ok;
    }
    if (error.code === 'commander.help') {
      // No command given: commander showed the help (on stderr; under --json it says so in JSON).
      return wantsJson ? shell.error('datalayer', noCommand(commands)) : ExitCode.ok;
    }
    // commander already printed its message on stderr, unless --json: then the document says it.
    if (!wantsJson) return ExitCode.usage;
    const help = parsing === 'datalayer' ? 'datalayer --help' : `datalayer ${parsing} --help`;
    return shell.error(parsing, new UsageError(error.message.replace(/^error: /, ''), { hint: `Run \`${help}\` for usage.` }));
  }
  return exitCode;
}

function noCommand(list: readonly AnyCommand[]): UsageError {
  return new UsageError('no command given.', {
    hint: 'Run `datalayer --help` to see the commands.',
    data: { commands: list.map((command) => command.name) },
  });
}

/** The context of one command run from the command line: its reporter, Ctrl-C handling, clean-ups. */
async function runFromCommandLine(command: AnyCommand, values: Record<string, unknown>, globals: Record<string, unknown>, io: MainIo, invocation: string): Promise<number> {
  const color = colorAllowed({ noColor: globals.color === false, env: io.env, isTTY: io.stderr.isTTY === true });
  const reporter = new Reporter({
    json: globals.json === true,
    quiet: globals.quiet === true,
    verbose: globals.verbose === true,
    color,
    stdout: io.stdout,
    stderr: io.stderr,
    version: io.version,
    invocation,
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
  const signals = handleSignals(controller);
  // `| head -1` closed the pipe: stop the command (a `logs -f` would follow for nobody).
  const onOutputError = (error: unknown) => {
    if (isClosedOutput(error) && !controller.signal.aborted) controller.abort(new OutputClosedError());
  };
  io.stdout.on('error', onOutputError);
  io.stderr.on('error', onOutputError);
  const run = async (): Promise<number> => {
    try {
      const host = resolveHostProject({ cwd: globals.cwd as string | undefined, envFile: globals.envFile as string | undefined, processCwd: io.cwd });
      reporter.speakForProject(projectOptionsFor(host));
      const context: Context = {
        host,
        reporter,
        runner: new ProcessRunner((argv, cwd) => reporter.command(argv, cwd), { env: io.env, cwd: host.processCwd }),
        env: io.env,
        yes: globals.yes === true,
        interactive: io.stdinIsTTY && io.stderr.isTTY === true,
        signal: controller.signal,
        onCleanup: (task) => cleanups.push(task),
      };
      return await runCommand(command, values, context);
    } catch (error) {
      // The host could not be resolved (no such --cwd): nothing ran.
      return reporter.error(command.name, error);
    } finally {
      await runCleanups();
    }
  };

  try {
    return await Promise.race([run(), signals.forced]);
  } finally {
    signals.dispose();
    io.stdout.off('error', onOutputError);
    io.stderr.off('error', onOutputError);
  }
}

/**
 * SIGINT and SIGTERM abort the command (which stops its children, then runs its clean-ups); a
 * second one ends the process at once (`forced` resolves with the exit code), even while
 * clean-ups or a stuck system call still run.
 */
function handleSignals(controller: AbortController): { forced: Promise<number>; dispose: () => void } {
  let forceExit: (code: number) => void = () => undefined;
  const forced = new Promise<number>((resolve) => {
    forceExit = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) forceExit(new InterruptedError(signal).exitCode);
    else controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    forced,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
