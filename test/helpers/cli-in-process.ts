import { createRequire } from 'node:module';
import path from 'node:path';
import { cliEntry, cliEnvironment, packageVersion, repoRoot, runCli, type CliRun } from './cli.js';
import { MemoryStream } from './context.js';

type Main = typeof import('../../src/cli/main.js').main;
let built: Main | undefined;
/** The main() of the built CLI, as the executable loads it (and finds its S3 server program beside it). */
function builtMain(): Main {
  built ??= (createRequire(import.meta.url)(path.join(repoRoot, 'dist', 'main.js')) as { main: Main }).main;
  return built;
}

/**
 * Runs a datalayer command line in this process, through the built main() the executable calls,
 * with the environment `runCli` would give the process, and no terminal. For the tests of what a
 * command decides and prints; what only a process has (its exit, its signals, the executable's own
 * start, output a child writes straight to the terminal) is `runCli`'s. `logs` streams a
 * container's output to the terminal itself: it always runs as a process.
 */
export async function runInProcess(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  if (args.includes('logs')) return runCli(args, options);
  const env = cliEnvironment(options.env);
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const exitCode = await builtMain()({
    argv: args,
    env,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdinIsTTY: false,
    version: packageVersion,
    scriptPath: cliEntry,
    cwd: options.cwd ?? process.cwd(),
  });
  // As runCli reads a process's output: without its final newline.
  const text = (stream: MemoryStream) => stream.text.replace(/\r?\n$/, '');
  return { exitCode, stdout: text(stdout), stderr: text(stderr) };
}
