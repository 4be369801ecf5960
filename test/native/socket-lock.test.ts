import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearStaleSocketLocks } from '../../src/runtimes/native/postmaster-lock.js';

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
    await clearStaleSocketLocks(dir, '/some/data/dir');
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(path.join(dir, '.s.PGSQL.5999'))).toBe(false);
  });

  it('keeps a lock whose pid is a live server of this data directory', async () => {
    // A process whose command line names the data directory: this very test runner names its own
    // script, so pass that path as the "data directory".
    const dir = socketDir();
    const lock = path.join(dir, '.s.PGSQL.6001.lock');
    const ownArgument = process.argv[1] ?? process.execPath;
    writeFileSync(lock, `${process.pid}\n${ownArgument}\n`);
    await clearStaleSocketLocks(dir, ownArgument);
    expect(existsSync(lock)).toBe(true);
  });

  it('leaves other files and a missing directory alone', async () => {
    const dir = socketDir();
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    await clearStaleSocketLocks(dir, '/data');
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
    await expect(clearStaleSocketLocks(path.join(dir, 'absent'), '/data')).resolves.toBeUndefined();
  });
});
