import { readFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { judgeProcess, type Verdict } from './process-identity.js';
import { terminateProcess, waitUntil } from './process-probe.js';

/**
 * `postmaster.pid` in a data directory says which server owns it. A server killed with SIGKILL
 * leaves it behind, and its helper processes may still hold the shared memory for a moment; a new
 * server started too early refuses to run. These checks make a restart after a crash reliable.
 */
export interface PostmasterLock {
  pid: number;
  port: number | undefined;
  sharedMemoryId: number | undefined;
}

export function parsePostmasterLock(text: string): PostmasterLock | undefined {
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number.parseInt(lines[3] ?? '', 10);
  // Line 7 holds "<shared memory key> <shared memory id>".
  const sharedMemory = (lines[6] ?? '').trim().split(/\s+/);
  const sharedMemoryId = Number.parseInt(sharedMemory[1] ?? '', 10);
  return {
    pid,
    port: Number.isInteger(port) ? port : undefined,
    sharedMemoryId: Number.isInteger(sharedMemoryId) ? sharedMemoryId : undefined,
  };
}

export async function readPostmasterLock(dataDir: string): Promise<PostmasterLock | undefined> {
  try {
    return parsePostmasterLock(await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The server's own word that it accepts connections: line 8 of `postmaster.pid` reads "ready" from
 * the moment it does (it says "starting" before). A lock not there yet is not ready either.
 */
export async function postmasterSaysReady(dataDir: string): Promise<boolean> {
  try {
    const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    return text.split('\n')[7]?.trim() === 'ready';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Whether the process in the lock is a live postgres working in this very data directory. */
export function lockHolderVerdict(lock: PostmasterLock, dataDir: string): Verdict {
  return judgeProcess({ pid: lock.pid, executable: 'postgres' }, dataDir);
}

/**
 * Clears what a previous server left before a new one starts on `dataDir`:
 * - a live server on that directory that we have no record of is shut down (fast mode);
 * - a lock naming a dead or unrelated process is removed (a reused pid would make postgres refuse);
 * - the old shared memory segment is waited for until no process is attached to it.
 * Where the system cannot tell (no /proc), the lock is left for postgres to judge.
 */
export async function clearStalePostmaster(dataDir: string, graceMs: number): Promise<void> {
  const lock = await readPostmasterLock(dataDir);
  if (!lock) return;
  const holder = lockHolderVerdict(lock, dataDir);
  if (holder === 'unknown') return;
  if (holder === 'ours') {
    await terminateProcess(lock.pid, 'SIGINT', graceMs, () => lockHolderVerdict(lock, dataDir) === 'ours');
  }
  if (lock.sharedMemoryId !== undefined) {
    const sharedMemoryId = lock.sharedMemoryId;
    await waitUntil(() => (sharedMemoryAttachments(sharedMemoryId) ?? 0) === 0, graceMs, 200);
  }
  // The server removes its own lock on a clean exit; whatever is left now belongs to nobody.
  await rm(path.join(dataDir, 'postmaster.pid'), { force: true });
}

/** How many processes are attached to a System V shared memory segment (Linux), if known. */
export function sharedMemoryAttachments(sharedMemoryId: number, table = '/proc/sysvipc/shm'): number | undefined {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch (error) {
    // Not Linux: nothing to wait for that we could observe.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [header, ...rows] = text.trim().split('\n');
  const columns = (header ?? '').trim().split(/\s+/);
  const idColumn = columns.indexOf('shmid');
  const attachColumn = columns.indexOf('nattch');
  if (idColumn < 0 || attachColumn < 0) return undefined;
  for (const row of rows) {
    const cells = row.trim().split(/\s+/);
    if (Number(cells[idColumn]) === sharedMemoryId) return Number(cells[attachColumn]);
  }
  return 0;
}

/**
 * A server killed with SIGKILL also leaves its Unix socket lock (`.s.PGSQL.<port>.lock`) behind.
 * Postgres removes one whose pid is gone, but a killed server whose parent never reaps it stays
 * a zombie that still answers signal 0, and the new server then refuses to start. A lock whose
 * pid is not a live server of this data directory (`isServer`) is removed here, with its socket.
 */
export async function clearStaleSocketLocks(socketDir: string, isServer: (pid: number) => boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(socketDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names.filter((n) => /^\.s\.PGSQL\.\d+\.lock$/.test(n))) {
    const lockPath = path.join(socketDir, name);
    const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isServer(pid)) continue;
    await rm(lockPath, { force: true });
    await rm(lockPath.replace(/\.lock$/, ''), { force: true });
  }
}
