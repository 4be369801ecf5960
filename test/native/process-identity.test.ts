import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { judgeProcess, processStartTicks } from '../../src/runtimes/native/process-identity.js';
import { findServer, stopServer } from '../../src/runtimes/native/native-servers.js';
import { nativePaths } from '../../src/runtimes/native/native-state.js';
import { writeS3PidFileSync } from '../../src/runtimes/native/s3-pid-file.js';
import { startBystander, type Bystander } from '../helpers/native-processes.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'datalayer-identity-'));
const started: Bystander[] = [];
const start = (cwd: string, named: string) => {
  const process_ = startBystander(cwd, named);
  started.push(process_);
  return process_;
};

afterEach(async () => {
  for (const one of started.splice(0)) await one.stop();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('judgeProcess: a server is recognised by its recorded start time and its working directory', () => {
  it('ours: the recorded pid, its start time, working in the directory', () => {
    const directory = path.join(scratch, 'data-a');
    mkdirSync(directory);
    const server = start(directory, directory);
    const ticks = processStartTicks(server.pid);
    expect(ticks).toBeGreaterThan(0);
    expect(judgeProcess({ pid: server.pid, startTicks: ticks }, directory)).toBe('ours');
  });

  it('not ours: a process that names the directory everywhere in its argv but works elsewhere', () => {
    const directory = path.join(scratch, 'data-b');
    mkdirSync(directory);
    const backup = start(scratch, directory);
    expect(judgeProcess({ pid: backup.pid, startTicks: processStartTicks(backup.pid) }, directory)).toBe('not-ours');
  });

  it('not ours: the right pid and directory with another start time (a reused pid)', () => {
    const directory = path.join(scratch, 'data-c');
    mkdirSync(directory);
    const other = start(directory, directory);
    expect(judgeProcess({ pid: other.pid, startTicks: (processStartTicks(other.pid) ?? 0) - 1 }, directory)).toBe('not-ours');
  });

  it('not ours: a record without start time whose executable is another program', () => {
    const directory = path.join(scratch, 'data-d');
    mkdirSync(directory);
    const other = start(directory, directory);
    expect(judgeProcess({ pid: other.pid, executable: 'postgres' }, directory)).toBe('not-ours');
    expect(judgeProcess({ pid: other.pid, executable: path.basename(process.execPath) }, directory)).toBe('ours');
  });

  it('still ours after the directory is renamed (the project moved); not ours for a copy of it', () => {
    const directory = path.join(scratch, 'data-e');
    mkdirSync(directory);
    const server = start(directory, directory);
    const record = { pid: server.pid, startTicks: processStartTicks(server.pid) };
    const moved = path.join(scratch, 'data-e-moved');
    renameSync(directory, moved);
    expect(judgeProcess(record, moved)).toBe('ours');
    const copy = path.join(scratch, 'data-e-copy');
    cpSync(moved, copy, { recursive: true });
    expect(judgeProcess(record, copy)).toBe('not-ours');
  });

  it('not ours once it has ended', async () => {
    const directory = path.join(scratch, 'data-f');
    mkdirSync(directory);
    const server = start(directory, directory);
    const record = { pid: server.pid, startTicks: processStartTicks(server.pid) };
    await server.stop();
    expect(judgeProcess(record, directory)).toBe('not-ours');
  });
});

describe('findServer / stopServer: only the process its own pid file names, checked, is signalled', () => {
  it('a pid file naming a bystander that does not work in the data directory finds nothing and signals nothing', async () => {
    const paths = nativePaths(path.join(scratch, 'host-a', '.datalayer'));
    mkdirSync(paths.s3DataDir, { recursive: true });
    const bystander = start(scratch, paths.s3DataDir);
    writeS3PidFileSync(path.join(paths.s3DataDir, 'server.pid'), {
      pid: bystander.pid,
      startTicks: processStartTicks(bystander.pid),
      port: 4566,
      keyFingerprint: 'x',
      startedAt: '',
    });
    expect(await findServer(paths, 's3', { pid: bystander.pid, port: 4566, startedAt: '' })).toBeUndefined();
    expect(bystander.alive()).toBe(true);
  });

  it('a server in its directory, recorded in its pid file, is found and stopped', async () => {
    const paths = nativePaths(path.join(scratch, 'host-b', '.datalayer'));
    mkdirSync(paths.s3DataDir, { recursive: true });
    const server = start(paths.s3DataDir, paths.s3DataDir);
    writeS3PidFileSync(path.join(paths.s3DataDir, 'server.pid'), {
      pid: server.pid,
      startTicks: processStartTicks(server.pid),
      port: 4567,
      keyFingerprint: 'x',
      startedAt: '',
    });
    const found = await findServer(paths, 's3', undefined);
    expect(found).toMatchObject({ pid: server.pid, port: 4567, controllable: true });
    await stopServer(found!, 2_000);
    expect(server.alive()).toBe(false);
  });
});
