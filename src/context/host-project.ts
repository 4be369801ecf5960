import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../support/errors.js';
import { shellQuote } from '../support/shell-quote.js';

/** The directory a command acts on, and where its files are. */
export interface HostProject {
  /** Absolute host directory. */
  dir: string;
  /** Absolute path of the `.env` file (it may not exist yet). */
  envFile: string;
  /** The env file as shown to users: relative to the host when inside it. */
  envFileLabel: string;
  /** `.datalayer/` */
  stateDir: string;
  /** Where the command was run from: command lines shown to the user are relative to it. */
  processCwd: string;
}

export function resolveHostProject(options: { cwd?: string; envFile?: string; processCwd?: string }): HostProject {
  const base = options.processCwd ?? process.cwd();
  const dir = path.resolve(base, options.cwd ?? '.');
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new UsageError(`--cwd ${options.cwd ?? dir}: no such directory.`, {
      hint: 'Pass the directory of the host project (the one holding .env and .gitmodules).',
    });
  }
  const envFile = path.resolve(dir, options.envFile ?? '.env');
  return {
    dir,
    envFile,
    envFileLabel: displayPath(dir, envFile),
    stateDir: path.join(dir, '.datalayer'),
    processCwd: base,
  };
}

/** A path relative to the host when it is inside it, else absolute. */
export function displayPath(hostDir: string, target: string): string {
  const relative = path.relative(hostDir, target);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : target;
}

/** `dir` as typed from `from` (relative below it, else absolute), quoted; undefined when it is `from` itself. */
function directoryAsTyped(from: string, dir: string): string | undefined {
  const relativeDir = path.relative(from, dir);
  if (relativeDir === '') return undefined;
  return shellQuote(relativeDir.startsWith('..') || path.isAbsolute(relativeDir) ? dir : relativeDir);
}

/**
 * The options that point datalayer at this host from where the user is (`-C app`, `--env-file x`),
 * as typed; empty when the host is the current directory and `.env` its env file.
 */
export function projectOptionsFor(host: HostProject): string {
  const words: string[] = [];
  const directory = directoryAsTyped(host.processCwd, host.dir);
  if (directory) words.push('-C', directory);
  if (host.envFile !== path.join(host.dir, '.env')) words.push('--env-file', shellQuote(host.envFileLabel));
  return words.join(' ');
}

/** A datalayer command line for this host as typed from where the user is (`-C`, `--env-file` when needed). */
export function commandLineFor(host: HostProject, command: string): string {
  return ['datalayer', projectOptionsFor(host), command].filter(Boolean).join(' ');
}

/** A git command line that runs in `dir`, typed in `from` (`git -C app ...`). */
export function gitCommandLineIn(from: string, dir: string, args: string): string {
  const directory = directoryAsTyped(from, dir);
  return directory ? `git -C ${directory} ${args}` : `git ${args}`;
}

/** A git command line run in the host directory, typed from where the user is. */
export function gitCommandLineFor(host: HostProject, args: string): string {
  return gitCommandLineIn(host.processCwd, host.dir, args);
}
