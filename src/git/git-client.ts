import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import type { Context } from '../context/context.js';
import { DatalayerError, PrerequisiteError, UsageError } from '../support/errors.js';
import { childTrees, reap, signalEach } from '../process/process-tree.js';
import { gitEnvironment } from './git-environment.js';

/** What the git layer needs from a command's context. */
export type GitDependencies = Pick<Context, 'reporter' | 'env' | 'signal' | 'interactive' | 'onCleanup'>;

export interface GitClientOptions {
  /**
   * Lets git clone and fetch from local paths and file:// URLs. Git blocks the file transport for
   * submodules by default; it is opened only when the URL at hand is itself local, per command,
   * never as a setting written anywhere.
   */
  allowFileProtocol?: boolean;
}

/** A finished git command: success or failure, with its output. Git failing is a result to classify. */
export interface GitOutcome {
  ok: boolean;
  stdout: string;
  /** On failure, what git printed on stderr (its error message). */
  stderr: string;
}

const GIT_MISSING_HINT =
  'Install git (https://git-scm.com) and make sure it is on PATH, or run `datalayer init --no-submodule` to only write .env.';

/** git in one directory, through simple-git: argument arrays, echoed under --verbose, errors turned into ours. */
export class GitClient {
  private readonly git: SimpleGit;

  constructor(
    private readonly deps: GitDependencies,
    readonly dir: string,
    private readonly options: GitClientOptions = {},
  ) {
    const { env, unsafe } = gitEnvironment(deps.env, { interactive: deps.interactive });
    const fileProtocol = options.allowFileProtocol === true;
    this.git = simpleGit({
      baseDir: dir,
      config: fileProtocol ? ['protocol.file.allow=always'] : [],
      unsafe: fileProtocol ? { ...unsafe, allowUnsafeProtocolOverride: true } : unsafe,
      abort: deps.signal,
      trimmed: false,
      // simple-git counts a non-zero exit with nothing on stderr as success; for
      // `merge-base --is-ancestor`, `rev-parse --quiet` and friends the exit code is the answer.
      errors: (error, result) => error ?? (result.exitCode === 0 ? undefined : Buffer.from(`git exited with code ${result.exitCode}`)),
    }).env(env);
    this.git.outputHandler((command, _stdout, _stderr, args) => deps.reporter.command([command, ...args], dir));
  }

  /** The same settings, in another directory (e.g. inside the submodule). */
  at(dir: string, options: GitClientOptions = this.options): GitClient {
    return new GitClient(this.deps, dir, options);
  }

  /** Whether the command was interrupted (Ctrl-C, SIGTERM). */
  get aborted(): boolean {
    return this.deps.signal.aborted;
  }

  /** Work that must run before the process exits, even after Ctrl-C ended the command. */
  onCleanup(task: () => void | Promise<void>): void {
    this.deps.onCleanup(task);
  }

  /** The same client, no longer stopped by Ctrl-C: for the clean-up that must run after one. */
  forCleanup(): GitClient {
    return new GitClient({ ...this.deps, signal: new AbortController().signal }, this.dir, this.options);
  }

  /**
   * Runs `git <args>`; resolves with the outcome whether git succeeded or not. On Ctrl-C the whole
   * git process tree is stopped (simple-git alone signals only the top process, and a clone it
   * started would go on), and this resolves only once git has ended.
   */
  async run(args: readonly string[]): Promise<GitOutcome> {
    let stopped: number[] = [];
    const stopTree = () => {
      stopped = childTrees(process.pid, 'git');
      signalEach(stopped, 'SIGTERM');
    };
    // Registered before simple-git's own listener (added when git starts), so it runs first.
    this.deps.signal.addEventListener('abort', stopTree, { once: true });
    try {
      const stdout = await this.git.raw([...args]);
      return { ok: true, stdout, stderr: '' };
    } catch (error) {
      return { ok: false, stdout: '', stderr: this.classify(error, args) };
    } finally {
      this.deps.signal.removeEventListener('abort', stopTree);
      if (stopped.length > 0) await reap(stopped);
    }
  }

  /** Runs `git <args>` and returns stdout; a failure becomes an error that says what was being done. */
  async output(args: readonly string[], doing: string): Promise<string> {
    const outcome = await this.run(args);
    if (!outcome.ok) throw gitFailure(doing, outcome, this.dir);
    return outcome.stdout;
  }

  /**
   * Git failures come back as their message; the cases that are not git's own answer (git not
   * installed, the command interrupted, an argument simple-git refused) become our errors here.
   */
  private classify(error: unknown, args: readonly string[]): string {
    if (this.deps.signal.aborted) throw this.deps.signal.reason;
    const message = error instanceof Error ? error.message : String(error);
    if (/\bspawn\b.*\bENOENT\b/.test(message)) {
      throw new PrerequisiteError('git is not installed (not found on PATH).', { hint: GIT_MISSING_HINT });
    }
    if (error instanceof GitPluginError && error.plugin === 'unsafe') {
      throw new UsageError(`refused to run git ${args.join(' ')}: ${message}`);
    }
    return message.trim();
  }
}

/** An unexpected git failure: what we were doing, git's own words, and how to see more. */
export function gitFailure(doing: string, outcome: GitOutcome, dir: string): DatalayerError {
  const detail = outcome.stderr.split('\n').filter((line) => line.trim() !== '').slice(-3).join('\n');
  return new PrerequisiteError(`git failed while ${doing}${detail ? `:\n${detail}` : '.'}`, {
    hint: `Run it again with --verbose to see each git command (in ${dir}).`,
  });
}
