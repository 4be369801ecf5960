import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNativeState, writeNativeState, type NativeState } from '../../src/runtimes/native/native-state.js';
import { parsePostmasterLock, sharedMemoryAttachments } from '../../src/runtimes/native/postmaster-lock.js';
import { isPortAccepting, isProcessAlive } from '../../src/runtimes/native/process-probe.js';
import { judgeProcess, processStartTicks } from '../../src/runtimes/native/process-identity.js';
import { canExecute, findUntraversableDirectory, type ServerIdentity } from '../../src/runtimes/native/system-user.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'datalayer-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('state.json', () => {
  const state: NativeState = {
    version: 1,
    cluster: { superuser: 'root', initialisedAt: '2025-01-01T00:00:00.000Z', databases: ['postgres'] },
    services: { postgres: { pid: 1234, port: 5432, startedAt: '2025-01-01T00:00:01.000Z' } },
  };

  it('round-trips, private, without leaving temp files', async () => {
    const file = path.join(dir, 'state.json');
    await writeNativeState(file, state);
    expect(await readNativeState(file)).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('writes issued side by side land in order, each with the state as it is at its turn', async () => {
    const file = path.join(dir, 'state.json');
    const shared: NativeState = { version: 1, services: {} };
    const writes: Promise<void>[] = [];
    for (let pid = 1; pid <= 30; pid++) {
      shared.services.s3 = { pid, port: 9000, startedAt: '2025-01-01T00:00:00.000Z' };
      writes.push(writeNativeState(file, shared));
      // A write made by the other start in between: a bigger file, slower to write.
      if (pid % 3 === 1) writes.push(writeNativeState(file, { ...shared, cluster: { superuser: 'x'.repeat(100_000), initialisedAt: 'now', databases: [] } }));
    }
    shared.services.postgres = { pid: 99, port: 5432, startedAt: '2025-01-01T00:00:01.000Z' };
    await Promise.all(writes);
    // The last write queued was of the shared state, taken when its turn came: the mutation after it is in.
    const written = await readNativeState(file);
    expect({ cluster: written.cluster === undefined, s3: written.services.s3?.pid, postgres: written.services.postgres?.pid }).toEqual({ cluster: true, s3: 30, postgres: 99 });
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it.each([['missing', undefined], ['not json', '{"version'], ['another shape', '{"version": 2}']])('is empty when %s', async (_case, content) => {
    const file = path.join(dir, 'state.json');
    if (content !== undefined) await writeFile(file, content);
    expect(await readNativeState(file)).toEqual({ version: 1, services: {} });
  });
});

describe('postmaster.pid', () => {
  it('gives the pid, port and shared memory id', () => {
    const text = '4242\n/data\n1700000000\n5433\n/run\n127.0.0.1\n  5433001     32770\nready   \n';
    expect(parsePostmasterLock(text)).toEqual({ pid: 4242, port: 5433, sharedMemoryId: 32770 });
  });

  it('is ignored when it does not start with a pid', () => {
    expect(parsePostmasterLock('\n')).toBeUndefined();
  });

  it('counts attachments of a shared memory segment from the System V table', async () => {
    const table = path.join(dir, 'shm');
    await writeFile(
      table,
      '       key      shmid perms                  size  cpid  lpid nattch   uid   gid\n' +
        '   5433001      32770   600                    56  4242  4250      3   101   104\n' +
        '         0      32771   600                    56  4242  4250      0   101   104\n',
    );
    expect(sharedMemoryAttachments(32770, table)).toBe(3);
    expect(sharedMemoryAttachments(32771, table)).toBe(0);
    expect(sharedMemoryAttachments(99999, table)).toBe(0);
    expect(sharedMemoryAttachments(32770, path.join(dir, 'absent'))).toBeUndefined();
  });
});

describe('process probes', () => {
  it('tells this process alive, and ours by its start time and working directory', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(-1)).toBe(false);
    const startTicks = processStartTicks(process.pid);
    expect(judgeProcess({ pid: process.pid, startTicks }, process.cwd())).toBe('ours');
    expect(judgeProcess({ pid: process.pid, startTicks }, dir)).toBe('not-ours');
  });

  it('sees a closed port as not accepting', async () => {
    expect(await isPortAccepting(1, '127.0.0.1', 300)).toBe(false);
  });
});

describe('traversal by the server user', () => {
  const serverUser: ServerIdentity = { name: 'postgres', uid: 4001, gid: 4001, groups: [4001, 4002] };
  const stats = (uid: number, gid: number, mode: number) => ({ uid, gid, mode }) as Parameters<typeof canExecute>[0];

  it.each([
    [stats(0, 0, 0o40755), true],
    [stats(0, 0, 0o40750), false],
    [stats(0, 4002, 0o40710), true],
    [stats(4001, 0, 0o40700), true],
    [stats(4001, 0, 0o40077), false],
  ])('%o', (directory, expected) => {
    expect(canExecute(directory, serverUser)).toBe(expected);
  });

  it('finds the first directory the user cannot enter', async () => {
    const closed = path.join(dir, 'closed');
    await mkdir(path.join(closed, 'inner'), { recursive: true });
    await chmod(dir, 0o755);
    await chmod(closed, 0o700);
    const target = path.join(closed, 'inner');
    expect(findUntraversableDirectory(target, serverUser)).toBe(closed);
    // The owner of that directory can enter it.
    expect(findUntraversableDirectory(target, { ...serverUser, uid: statSync(closed).uid })).toBeUndefined();
  });
});
