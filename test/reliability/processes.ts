import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { cliEntry } from '../helpers/cli.js';

const LOCK_HOLDER = fileURLToPath(new URL('./lock-holder.mjs', import.meta.url));

/** A separate process holding the host's datalayer lock; `kill9` ends it without any clean-up. */
export interface LockHolder {
  pid: number;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function holdHostLock(stateDir: string, command = 'up'): Promise<LockHolder> {
  const child = execa(process.execPath, [LOCK_HOLDER, stateDir, command], { reject: false, stdin: 'ignore' });
  await waitForOutput(child, 'stdout', 'locked', 10_000);
  const ended = child.then(() => undefined);
  return {
    pid: child.pid!,
    async kill9() {
      child.kill('SIGKILL');
      await ended;
    },
    async stop() {
      child.kill('SIGTERM');
      await ended;
    },
  };
}

/** Whether the lock directory proper-lockfile made is there (a held or stale lock). */
export function lockPresent(stateDir: string): boolean {
  return existsSync(path.join(stateDir, 'datalayer.lock'));
}

/** The built CLI in its own process, stderr and stdout kept, so a test can signal it at a chosen moment. */
export interface CliProcess {
  child: ResultPromise;
  stderr(): string;
  /** Resolves when stderr matches; rejects if the command ends first or the time runs out. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  result(): Promise<{ exitCode: number; stdout: string; stderr: string; endedAt: number }>;
}

export function startCli(args: string[], options: { cwd: string; env: Record<string, string> }): CliProcess {
  const child = execa(process.execPath, ['--', cliEntry, ...args], {
    cwd: options.cwd,
    env: { CI: 'true', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const finished = child.then((result) => ({ exitCode: result.exitCode ?? -1, stdout, stderr, endedAt: Date.now() }));
  return {
    child,
    stderr: () => stderr,
    waitForStderr: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (pattern.test(stderr)) done(resolve);
        }, 20);
        const limit = setTimeout(() => done(() => reject(new Error(`no ${pattern} in stderr after ${timeoutMs} ms:\n${stderr}`))), timeoutMs);
        void finished.then((run) => done(() => (pattern.test(run.stderr) ? resolve() : reject(new Error(`ended (exit ${run.exitCode}) before ${pattern}:\n${run.stderr}`)))));
        function done(settle: () => void) {
          clearInterval(timer);
          clearTimeout(limit);
          settle();
        }
      }),
    result: () => finished,
  };
}

async function waitForOutput(child: ResultPromise, stream: 'stdout' | 'stderr', text: string, timeoutMs: number): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error(`no "${text}" after ${timeoutMs} ms: ${seen}`)), timeoutMs);
    child[stream]?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(limit);
        resolve();
      }
    });
    void child.then((result) => reject(new Error(`ended before "${text}": ${String(result.stderr)}`)));
  });
}
