import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { RefusedError } from '../errors.js';

export interface HostLockOptions {
  stateDir: string;
  /** What the holder is doing, shown to whoever waits. */
  command: string;
  /** How long to wait for another datalayer to finish before refusing. */
  waitMs: number;
  onWait?: (holder: string) => void;
  signal?: AbortSignal;
}

export type ReleaseLock = () => Promise<void>;

const STALE_MS = 5_000;
const RETRY_MS = 250;

/**
 * One datalayer at a time per host for the commands that change things. The lock is refreshed
 * while held; a holder killed with SIGKILL stops refreshing it and is taken over after STALE_MS.
 */
export async function acquireHostLock(options: HostLockOptions): Promise<ReleaseLock> {
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
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
        await release().catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const holder = await describeHolder(ownerFile);
      if (Date.now() >= deadline) {
        throw new RefusedError(`Another datalayer (${holder}) is working on this project.`, {
          hint: 'Wait for it to finish, then run the command again.',
        });
      }
      if (!announced) {
        options.onWait?.(holder);
        announced = true;
      }
      if (options.signal?.aborted) throw options.signal.reason;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

async function describeHolder(ownerFile: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(ownerFile, 'utf8')) as { pid?: number; command?: string };
    return `pid ${owner.pid ?? '?'}, ${owner.command ?? 'a command'}`;
  } catch {
    // The owner note is written just after the lock: a reader can arrive in between.
    return 'a command that just started';
  }
}
