import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearStaleSocketLocks } from '../../src/runtimes/native/postmaster-lock.js';
import { judgeProcess, processStartTicks } from '../../src/runtimes/native/process-identity.js';

/** This test process stands for the server: it is recognised by its start time and working directory. */
const isThisProcessIn = (dataDir: string) => (pid: number) => judgeProcess({ pid, startTicks: processStartTicks(process.pid) }, dataDir) === 'ours';

describe('clearStaleSocketLocks', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function socketDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-socket-'));
    dirs.push(dir);
    return dir;
  }

  it('removes a lock (and its socket) naming a live process that is not a server of this data directory', async () => {
    // The pid of this test process answers signal 0, as a zombie left by a SIGKILLed server does:
    // postgres itself would refuse to start ("Is another postmaster using socket file?").
    const dir = socketDir();
    const lock = path.join(dir, '.s.PGSQL.5999.lock');
    writeFileSync(lock, `${process.pid}\n/some/data/dir\n1700000000\n5999\n${dir}\n`);
    writeFileSync(path.join(dir, '.s.PGSQL.5999'), '');
    await clearStaleSocketLocks(dir, isThisProcessIn(path.join(dir, 'elsewhere')));
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(path.join(dir, '.s.PGSQL.5999'))).toBe(false);
  });

  it('keeps a lock whose pid is a live server of this data directory', async () => {
    // This test process works in its current directory: take that as the "data directory".
    const dir = socketDir();
    const lock = path.join(dir, '.s.PGSQL.6001.lock');
    writeFileSync(lock, `${process.pid}\n${process.cwd()}\n`);
    await clearStaleSocketLocks(dir, isThisProcessIn(process.cwd()));
    expect(existsSync(lock)).toBe(true);
  });

  it('leaves other files and a missing directory alone', async () => {
    const dir = socketDir();
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    await clearStaleSocketLocks(dir, isThisProcessIn('/data'));
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
    await expect(clearStaleSocketLocks(path.join(dir, 'absent'), isThisProcessIn('/data'))).resolves.toBeUndefined();
  });
});
