import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsClient } from 'aws4fetch';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/support/errors.js';
import { NativeRuntime, type NativeRuntimeSettings } from '../../src/runtimes/native/native-runtime.js';
import { isProcessAlive } from '../../src/runtimes/native/process-probe.js';
import { ProcessRunner } from '../../src/process/runner.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const isRoot = process.getuid?.() === 0;

/**
 * The S3 server entry is TypeScript that ships bundled in dist/. Tests bundle it the same way
 * (esbuild) into a temp directory and hand that path to the runtime, as the CLI hands it the dist/ one.
 */
async function buildS3ServerScript(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 's3-server-main.js');
  await build({ entryPoints: [path.join(repoRoot, 'src/runtimes/native/s3-server-main.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  return outfile;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const created: NativeRuntime[] = [];
const temporaryDirs: string[] = [];
let scriptDir: string;
let s3ServerScript: string;

async function newHost(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'datalayer-native-host-'));
  temporaryDirs.push(dir);
  // A project directory is usually 0755; mkdtemp makes 0700, which the server user could not enter.
  chmodSync(dir, 0o755);
  return dir;
}

async function settingsFor(hostDir: string, overrides: Partial<NativeRuntimeSettings['postgres']> = {}): Promise<NativeRuntimeSettings> {
  return {
    stateDir: path.join(hostDir, '.datalayer'),
    postgres: { port: await freePort(), user: 'chainlit', password: 'pg-pass-word-7731', database: 'chainlit_app', ...overrides },
    s3: { port: await freePort(), accessKey: 'test-access-key', secretKey: 'super-secret-s3-key-41ab' },
  };
}

function runtimeFor(settings: NativeRuntimeSettings): NativeRuntime {
  const runtime = new NativeRuntime(settings, { runner: new ProcessRunner(), s3ServerScript, stopGraceMs: 10_000, output: { write: () => undefined } });
  created.push(runtime);
  return runtime;
}

async function query(settings: NativeRuntimeSettings, sql: string, database = settings.postgres.database): Promise<pg.QueryResult> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: settings.postgres.port,
    user: settings.postgres.user,
    password: settings.postgres.password,
    database,
  });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Postgres after a (re)start accepts connections a moment later: retry until it does. */
async function queryWhenReady(settings: NativeRuntimeSettings, sql: string): Promise<pg.QueryResult> {
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    try {
      return await query(settings, sql);
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function untilS3Answers(settings: NativeRuntimeSettings): Promise<void> {
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${settings.s3.port}/`);
      return;
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function s3Client(settings: NativeRuntimeSettings, accessKeyId = settings.s3.accessKey): AwsClient {
  return new AwsClient({ accessKeyId, secretAccessKey: settings.s3.secretKey, service: 's3', region: 'us-east-1' });
}

async function recordedPid(settings: NativeRuntimeSettings, role: 'postgres' | 's3'): Promise<number> {
  const state = JSON.parse(await readFile(path.join(settings.stateDir, 'native/state.json'), 'utf8'));
  return state.services[role].pid;
}

beforeAll(async () => {
  scriptDir = await mkdtemp(path.join(tmpdir(), 'datalayer-s3-entry-'));
  temporaryDirs.push(scriptDir);
  s3ServerScript = await buildS3ServerScript(scriptDir);
});

afterAll(async () => {
  // No orphans: every runtime a test made is stopped, whatever the test did.
  for (const runtime of created) await runtime.stop({ volumes: true });
  for (const dir of temporaryDirs) await rm(dir, { recursive: true, force: true });
});

describe('native runtime with real processes', () => {
  let settings: NativeRuntimeSettings;
  let runtime: NativeRuntime;

  beforeAll(async () => {
    settings = await settingsFor(await newHost());
    runtime = runtimeFor(settings);
    await runtime.start({});
    await untilS3Answers(settings);
  });

  it('starts Postgres with the .env credentials and creates POSTGRES_DB', async () => {
    const result = await queryWhenReady(settings, 'SELECT current_user AS user, current_database() AS db');
    expect(result.rows[0]).toEqual({ user: 'chainlit', db: 'chainlit_app' });
    await expect(query({ ...settings, postgres: { ...settings.postgres, password: 'wrong' } }, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('starts an S3 server that accepts the key pair and rejects another access key', async () => {
    const base = `http://127.0.0.1:${settings.s3.port}`;
    const created = await s3Client(settings).fetch(`${base}/native-bucket`, { method: 'PUT' });
    expect(created.status).toBe(200);
    const listed = await s3Client(settings).fetch(`${base}/`);
    expect(await listed.text()).toContain('<Name>native-bucket</Name>');
    const rejected = await s3Client(settings, 'another-key').fetch(`${base}/`);
    expect(rejected.status).toBe(403);
    expect(await rejected.text()).toContain('InvalidAccessKeyId');
    const builtIn = await s3Client({ ...settings, s3: { ...settings.s3, secretKey: 'S3RVER' } }, 'S3RVER').fetch(`${base}/`);
    expect(builtIn.status).toBe(403);
  });

  it('records pids, ports and start times in a private state directory, and writes logs', async () => {
    const state = JSON.parse(await readFile(path.join(settings.stateDir, 'native/state.json'), 'utf8'));
    expect(state.services.postgres).toMatchObject({ port: settings.postgres.port, pid: expect.any(Number) });
    expect(state.services.s3).toMatchObject({ port: settings.s3.port, pid: expect.any(Number) });
    expect(Date.parse(state.services.s3.startedAt)).not.toBeNaN();
    expect(state.cluster).toMatchObject({ superuser: 'chainlit', databases: expect.arrayContaining(['chainlit_app']) });
    const mode = statSync(settings.stateDir).mode & 0o777;
    // 0700, or 0710 for the group of the server user when we run as root (it must reach its data).
    expect(mode).toBe(isRoot ? 0o710 : 0o700);
    expect(statSync(path.join(settings.stateDir, 'native/state.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(settings.stateDir, 'logs/postgres.log'), 'utf8')).toMatch(/ready to accept connections/);
    expect(readFileSync(path.join(settings.stateDir, 'logs/s3.log'), 'utf8')).toMatch(/listening on 127\.0\.0\.1/);
  });

  it('detaches both servers from this process: their output goes straight into the log files', async () => {
    // A server writing through a pipe to the CLI would keep the CLI alive, and lose its log when the CLI exits.
    for (const role of ['postgres', 's3'] as const) {
      const pid = await recordedPid(settings, role);
      const logFile = path.join(settings.stateDir, 'logs', `${role}.log`);
      expect(readlinkSync(`/proc/${pid}/fd/1`)).toBe(logFile);
      expect(readlinkSync(`/proc/${pid}/fd/2`)).toBe(logFile);
    }
  });

  it('reports both services running with their ports and pids', async () => {
    const services = await runtime.services();
    expect(services).toEqual([
      expect.objectContaining({ name: 'postgres', state: 'running', pid: await recordedPid(settings, 'postgres'), ports: [{ published: settings.postgres.port, target: settings.postgres.port }] }),
      expect.objectContaining({ name: 's3', state: 'running', pid: await recordedPid(settings, 's3'), ports: [{ published: settings.s3.port, target: settings.s3.port }] }),
    ]);
  });

  it('keeps the S3 secret out of argv and logs, and the Postgres password out of the logs', async () => {
    const s3Pid = await recordedPid(settings, 's3');
    const commandLine = readFileSync(`/proc/${s3Pid}/cmdline`, 'utf8');
    expect(commandLine).toContain('--port');
    expect(commandLine).not.toContain(settings.s3.secretKey);
    expect(readFileSync(`/proc/${await recordedPid(settings, 'postgres')}/cmdline`, 'utf8')).not.toContain(settings.postgres.password);
    const logs = readFileSync(path.join(settings.stateDir, 'logs/s3.log'), 'utf8') + readFileSync(path.join(settings.stateDir, 'logs/postgres.log'), 'utf8');
    expect(logs).not.toContain(settings.s3.secretKey);
    expect(logs).not.toContain(settings.postgres.password);
    expect(await runtime.lastLogLines('s3', 3)).toHaveLength(3);
  });

  it('does nothing when started again: no server started, none replaced', async () => {
    const before = [await recordedPid(settings, 'postgres'), await recordedPid(settings, 's3')];
    const starts = (): number[] => [
      readFileSync(path.join(settings.stateDir, 'logs/postgres.log'), 'utf8').match(/ready to accept connections/g)?.length ?? 0,
      readFileSync(path.join(settings.stateDir, 'logs/s3.log'), 'utf8').match(/listening on 127\.0\.0\.1/g)?.length ?? 0,
    ];
    const startsBefore = starts();
    await runtime.start({});
    expect([await recordedPid(settings, 'postgres'), await recordedPid(settings, 's3')]).toEqual(before);
    expect(starts()).toEqual(startsBefore);
  });

  it('sees a killed Postgres as exited and brings it back with its data', async () => {
    await queryWhenReady(settings, 'CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)');
    const pid = await recordedPid(settings, 'postgres');
    process.kill(pid, 'SIGKILL');
    // Gone, not only dead: this test process started it, and until reaped a zombie still takes signals.
    await waitFor(() => !existsSync(`/proc/${pid}`));
    expect((await runtime.services())[0]).toMatchObject({ name: 'postgres', state: 'exited' });
    await runtime.start({});
    expect(await recordedPid(settings, 'postgres')).not.toBe(pid);
    const result = await queryWhenReady(settings, 'SELECT id FROM survivor');
    expect(result.rows).toEqual([{ id: 42 }]);
  });

  it('stops both services and keeps the data for the next start', async () => {
    await queryWhenReady(settings, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES (\'still here\')');
    const pids = [await recordedPid(settings, 'postgres'), await recordedPid(settings, 's3')];
    expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
    expect(pids.map(isProcessAlive)).toEqual([false, false]);
    expect((await runtime.services()).map((service) => service.state)).toEqual(['missing', 'missing']);
    await runtime.start({});
    expect((await queryWhenReady(settings, 'SELECT note FROM kept')).rows).toEqual([{ note: 'still here' }]);
    await untilS3Answers(settings);
    const listed = await s3Client(settings).fetch(`http://127.0.0.1:${settings.s3.port}/`);
    expect(await listed.text()).toContain('<Name>native-bucket</Name>');
  });

  it('refuses to reuse a data directory with another POSTGRES_USER', async () => {
    await runtime.stop({ volumes: false });
    const renamed = runtimeFor({ ...settings, postgres: { ...settings.postgres, user: 'someone_else' } });
    await expect(renamed.start({ services: ['postgres'] })).rejects.toMatchObject({ exitCode: ExitCode.config });
    expect((await runtime.services())[0]?.state).toBe('missing');
  });

  it('deletes only .datalayer/native with volumes, and stopping nothing is fine', async () => {
    await runtime.start({});
    const nativeDir = path.join(settings.stateDir, 'native');
    expect(await runtime.stop({ volumes: true })).toEqual({ deleted: [nativeDir] });
    expect(existsSync(nativeDir)).toBe(false);
    expect(existsSync(path.join(settings.stateDir, 'logs/postgres.log'))).toBe(true);
    expect(await runtime.stop({ volumes: true })).toEqual({ deleted: [] });
    expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
  });
});

describe('native runtime state left by others', () => {
  it('cleans a stale record of a dead process and starts the service', async () => {
    const settings = await settingsFor(await newHost());
    const runtime = runtimeFor(settings);
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    await mkdir(path.join(settings.stateDir, 'native'), { recursive: true, mode: 0o700 });
    const stale = { version: 1, services: { s3: { pid: deadPid, port: settings.s3.port, startedAt: new Date(0).toISOString() } } };
    await writeFile(path.join(settings.stateDir, 'native/state.json'), JSON.stringify(stale));
    expect((await runtime.services())[1]).toMatchObject({ name: 's3', state: 'exited', pid: deadPid });
    await runtime.start({ services: ['s3'] });
    const pid = await recordedPid(settings, 's3');
    expect(pid).not.toBe(deadPid);
    await untilS3Answers(settings);
    expect((await runtime.services()).map((service) => service.state)).toEqual(['missing', 'running']);
  });

  it('finds the servers left running when state.json was lost, and keeps them', async () => {
    const settings = await settingsFor(await newHost());
    const runtime = runtimeFor(settings);
    await runtime.start({});
    const before = [await recordedPid(settings, 'postgres'), await recordedPid(settings, 's3')];
    await rm(path.join(settings.stateDir, 'native/state.json'));
    await queryWhenReady(settings, 'SELECT 1');
    await untilS3Answers(settings);
    const found = await runtime.services();
    expect(found.map((service) => [service.state, service.pid])).toEqual([['running', before[0]], ['running', before[1]]]);
    await runtime.start({});
    expect(before.every((pid) => stillRunning(pid))).toBe(true);
    await runtime.stop({ volumes: false });
    await waitFor(() => before.every((pid) => !stillRunning(pid)));
  });

  it.runIf(isRoot)('fails with a prerequisite error when data made in the project can no longer be reached by the server user', async () => {
    const closed = await newHost();
    const host = path.join(closed, 'project');
    await mkdir(host);
    const settings = await settingsFor(host);
    const runtime = runtimeFor(settings);
    await runtime.start({ services: ['postgres'] });
    await runtime.stop({ volumes: false });
    // The project was moved under a 0700 directory after its data was made there: that data is not moved behind the user's back.
    chmodSync(closed, 0o700);
    const failure = runtime.start({ services: ['postgres'] });
    await expect(failure).rejects.toMatchObject({ exitCode: ExitCode.prerequisite, message: expect.stringContaining(closed) });
  });
});

/** True while the process still runs (a zombie awaiting its parent counts as gone). */
function stillRunning(pid: number): boolean {
  return existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== '';
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
