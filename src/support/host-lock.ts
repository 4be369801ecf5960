import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError, RefusedError } from './errors.js';
import { sleep } from './poll.js';

export interface HostLockOptions {
  stateDir: string;
  /** What the holder is doing, shown to whoever waits. */
  command: string;
  /** How long to wait for another datalayer to finish before refusing. */
  waitMs: number;
  /** Told once, when the lock is held: who holds it, and whether that process still runs. */
  onWait?: (holder: string, alive: boolean) => void;
  /** Whether a pid runs (the holder's): a dead holder is named as such, not waited for as if working. */
  isAlive?: (pid: number) => boolean;
  signal?: AbortSignal;
}

export type ReleaseLock = () => Promise<void>;

/** The lock of a command that acts on the host, waiting a while for another datalayer with progress. */
export function lockHost(
  context: { host: { stateDir: string }; signal: AbortSignal; reporter: { info(message: string): void } },
  command: string,
  waitMs = 60_000,
  isAlive?: (pid: number) => boolean,
): Promise<ReleaseLock> {
  return acquireHostLock({
    stateDir: context.host.stateDir,
    command,
    waitMs,
    signal: context.signal,
    ...(isAlive ? { isAlive } : {}),
    onWait: (holder, alive) =>
      context.reporter.info(
        alive
          ? `Waiting for another datalayer (${holder}) to finish…`
          : `The datalayer that holds the project lock (${holder}) is no longer running; taking the lock over once it is stale (a few seconds)…`,
      ),
  });
}

const STALE_MS = 5_000;
const RETRY_MS = 250;

/**
 * One datalayer at a time per host for the commands that change things. The lock is refreshed
 * while held; a holder killed with SIGKILL stops refreshing it and is taken over after STALE_MS.
 */
export async function acquireHostLock(options: HostLockOptions): Promise<ReleaseLock> {
  // A command that fails must not leave a `.datalayer/` behind in a host that had none.
  let createdStateDir = !existsSync(options.stateDir);
  await makeStateDirectory(options.stateDir);
  const target = path.join(options.stateDir, 'datalayer.lock');
  const ownerFile = path.join(options.stateDir, 'lock-owner.json');
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  for (;;) {
    try {
      const release = await lockfile.lock(options.stateDir, {
        lockfilePath: target,
        stale: STALE_MS,
        update: 1_000,
        realpath: false,
        onCompromised: () => {
          // Another process took the lock over because we stopped refreshing it (a frozen machine):
          // carry on; the lock is a courtesy between datalayer processes, not a data guard.
        },
      });
      await writeFile(ownerFile, JSON.stringify({ pid: process.pid, command: options.command, since: new Date().toISOString() }));
      return async () => {
        await rm(ownerFile, { force: true });
        // Already released when the process is exiting on a signal: nothing more to undo.
        await release().catch(() => undefined);
        if (createdStateDir) await removeIfEmpty(options.stateDir);
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // The holder we waited for created `.datalayer/` and removed it, empty, when it finished.
        createdStateDir = true;
        await makeStateDirectory(options.stateDir);
        continue;
      }
      if (code !== 'ELOCKED') throw unwritableStateDirectory(options.stateDir, error);
      const holder = await readHolder(ownerFile);
      const alive = holder.pid === undefined || !options.isAlive || options.isAlive(holder.pid);
      if (Date.now() >= deadline) {
        throw new RefusedError(`Another datalayer (${holder.text}) is working on this project.`, {
          hint: 'Wait for it to finish, then run the command again.',
        });
      }
      if (!announced) {
        options.onWait?.(holder.text, alive);
        announced = true;
      }
      await sleep(RETRY_MS, options.signal);
    }
  }
}

/** A host this user cannot write to is a clear error, like an unwritable `.env`, not a crash. */
async function makeStateDirectory(stateDir: string): Promise<void> {
  try {
    await mkdirBesideRemovals(stateDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw notADirectory(stateDir, error);
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    throw new ConfigError(`Cannot create ${stateDir} for the project lock: ${(error as Error).message}`, {
      hint: 'Check that the project directory is writable by this user; nothing was changed.',
      cause: error,
    });
  }
  // mkdir accepts an existing symlink to a directory; datalayer's state stays inside the project.
  const stats = await lstat(stateDir).catch((error: NodeJS.ErrnoException) => {
    // Gone again: mkdir found it still there, just before the datalayer that made it removed it,
    // empty, as it finished. The next attempt at the lock finds it missing and makes it anew.
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats && !stats.isDirectory()) throw notADirectory(stateDir);
}

/**
 * `mkdir -p` while another datalayer that created `.datalayer/` removes it, empty, as it finishes:
 * Node's recursive mkdir then reports ENOENT for the directory itself (it saw it exist, then
 * gone). Making it again is the answer; a missing parent stays an error.
 */
async function mkdirBesideRemovals(stateDir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5 || !existsSync(path.dirname(stateDir))) throw error;
    }
  }
}

function notADirectory(stateDir: string, cause?: unknown): ConfigError {
  return new ConfigError(`${stateDir} is not a directory: datalayer keeps the project lock and its state there.`, {
    hint: `Move that ${path.basename(stateDir)} away (or rename it), then run the command again; nothing was changed.`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The lock directory could not be made inside `.datalayer/` (not writable, read-only file system). */
function unwritableStateDirectory(stateDir: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return error;
  return new ConfigError(`Cannot take the project lock in ${stateDir}: ${(error as Error).message}`, {
    hint: `Check that ${stateDir} belongs to this user and is writable (another user may have created it); nothing was changed.`,
    cause: error,
  });
}

/** Removes the state directory this process created, unless another datalayer is using it by now. */
async function removeIfEmpty(stateDir: string): Promise<void> {
  if ((await readdir(stateDir)).length > 0) return;
  try {
    await rmdir(stateDir);
  } catch (error) {
    // A waiting datalayer may take its lock inside it between the two calls: then it stays.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}

async function readHolder(ownerFile: string): Promise<{ text: string; pid?: number }> {
  try {
    const owner = JSON.parse(await readFile(ownerFile, 'utf8')) as { pid?: number; command?: string };
    const text = `pid ${owner.pid ?? '?'}, ${owner.command ?? 'a command'}`;
    return typeof owner.pid === 'number' ? { text, pid: owner.pid } : { text };
  } catch {
    // The owner note is written just after the lock: a reader can arrive in between.
    return { text: 'a command that just started' };
  }
}
