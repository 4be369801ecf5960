import type { Options } from 'execa';
import { openSync, closeSync } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  /** Added to (not replacing) the command's environment (see the constructor). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
  /** `inherit` streams the child's output straight to the terminal (e.g. `logs -f`). */
  stdio?: 'pipe' | 'inherit';
  /** With `inherit`: each line passes through this on its way (e.g. to drop terminal codes). */
  transformLine?: (line: string) => string;
  /** In a new session, without the controlling terminal: a prompt of the child reads stdin, never the user's terminal. */
  newSession?: boolean;
  /** Called once the child process exists (or failed to), before its end is awaited. */
  onSpawn?: () => void;
}

export interface RunResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The executable was not found on PATH. */
  notFound: boolean;
  timedOut: boolean;
}

export interface DetachedOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** stdout and stderr of the child are appended here. */
  logFile: string;
  uid?: number;
  gid?: number;
}

// execa and its dependencies cost more to load than `check` takes to run: load them on first use.
let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}

export type CommandEcho = (argv: readonly string[], cwd?: string) => void;

/**
 * The one way datalayer starts a process: argument arrays, never a shell; every command echoed
 * under --verbose; a non-zero exit is a result to classify, not an exception.
 */
export class ProcessRunner {
  /** Processes started by run() with an abort signal that have not ended yet. */
  private readonly abortable = new Set<Promise<unknown>>();

  /**
   * `command.env` is the command's environment, which every child starts from (a call's own `env`
   * is added over it), and `command.cwd` the directory a child runs in when a call names none;
   * without them, children inherit this process's environment and directory.
   */
  constructor(
    private readonly echo: CommandEcho = () => {},
    private readonly command: { env?: Readonly<Record<string, string | undefined>>; cwd?: string } = {},
  ) {}

  /** The environment option of a child: the command's environment with the call's own over it. */
  private childEnv(own: Record<string, string | undefined> | undefined): { env?: Record<string, string | undefined>; extendEnv: boolean } {
    const base = this.command.env;
    return base ? { env: { ...base, ...own }, extendEnv: false } : { env: own, extendEnv: true };
  }

  /**
   * Resolves once every process started by run() with an abort signal has ended, or after `ms`.
   * After Ctrl-C that signal is stopping them; waiting here lets the command exit only once they
   * are gone. Processes started without a signal are not waited for: the command does not expect
   * to be interrupted there, and they end with it.
   */
  async stopped(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([Promise.allSettled([...this.abortable]), limit]);
    clearTimeout(timer);
  }

  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.echo(argv, options.cwd);
    const { execa } = await loadExeca();
    const inherit = options.stdio === 'inherit';
    const transform = options.transformLine;
    const output: Options['stdout'] & Options['stderr'] = !inherit
      ? 'pipe'
      : transform
        ? [function* (line: unknown) { yield transform(String(line)); }, 'inherit']
        : 'inherit';
    const child = execa(file, args, {
      cwd: options.cwd ?? this.command.cwd,
      ...this.childEnv(options.env),
      timeout: options.timeoutMs,
      input: options.input,
      cancelSignal: options.signal,
      reject: false,
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      stdout: output,
      stderr: output,
      // Streamed output (`logs -f` may run for hours) is passed on, not kept.
      buffer: !inherit,
      stripFinalNewline: true,
      windowsHide: true,
      ...(options.newSession ? { detached: true } : {}),
    });
    if (options.signal) this.abortable.add(child);
    options.onSpawn?.();
    const result = await child.finally(() => this.abortable.delete(child));
    const notFound = (result as { code?: string }).code === 'ENOENT' || /\bENOENT\b/.test(result.message ?? '');
    return {
      argv,
      exitCode: result.exitCode ?? (notFound ? 127 : 1),
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      notFound: notFound && result.exitCode === undefined,
      timedOut: result.timedOut === true,
    };
  }

  /** Starts a long-lived process that outlives this one; returns its pid. */
  async spawnDetached(file: string, args: readonly string[], options: DetachedOptions): Promise<number> {
    this.echo([file, ...args], options.cwd);
    const { execa } = await loadExeca();
    // The child gets the log file's own descriptor: with a `{ file }` target execa would relay the
    // output through this process, and the child would die of EPIPE once we exit.
    const log = openSync(options.logFile, 'a', 0o600);
    try {
      const child = execa(file, args, {
        cwd: options.cwd ?? this.command.cwd,
        ...this.childEnv(options.env),
        detached: true,
        stdin: 'ignore',
        // execa accepts a file descriptor here at run time; its type declarations do not say so.
        stdout: log as unknown as 'ignore',
        stderr: log as unknown as 'ignore',
        reject: false,
        cleanup: false,
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid }),
      });
      if (child.pid === undefined) throw new Error(`could not start ${file}`);
      child.unref();
      // The process outlives us; its exit is observed through its pid, not this promise.
      child.catch(() => undefined);
      return child.pid;
    } finally {
      closeSync(log);
    }
  }
}
