import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataOf, runCli } from '../helpers/cli.js';
import { eventually, makeNativeProject, processesWorkingIn, startBystander, type Bystander } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';

type Services = Array<{ name: string; state: string; pid?: number }>;

/**
 * The native servers are found from their data directories (Postgres' postmaster.pid, the S3
 * server's own pid file), each checked to be a live server working in that very directory: the
 * records in .datalayer/ can go, the project can move, .env can change, and datalayer still finds,
 * keeps and stops its own servers, and never signals anything else.
 */
describe('native runtime: its own servers, found and stopped whatever happened to its records', () => {
  let native: NativeHost;
  let bystanders: Bystander[] = [];
  const nativeDir = () => path.join(native.host.dir, '.datalayer', 'native');
  const stateFile = () => path.join(nativeDir(), 'state.json');
  const runtimeFile = () => path.join(native.host.dir, '.datalayer', 'runtime.json');
  const serversOfHost = () => processesWorkingIn(nativeDir()).filter((pid) => !bystanders.some((b) => b.pid === pid));
  const statusServices = async () => {
    const status = await native.cli(['status', '--json']);
    return { run: status, services: (dataOf(status).services ?? []) as Services };
  };
  const up = async () => {
    const run = await native.cli(['up', '--json']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    return dataOf(run);
  };

  beforeAll(async () => {
    native = await makeNativeProject('recover');
  });

  // Every case starts from a running stack, whatever the one before it left.
  beforeEach(async () => {
    await up();
  });

  afterEach(async () => {
    for (const bystander of bystanders) await bystander.stop();
    bystanders = [];
  });

  afterAll(async () => {
    if (native) await native.cleanup();
  });

  it('down and up never signal a process that names the S3 data path and works inside it (a backup beside the stack)', async () => {
    const s3Dir = path.join(nativeDir(), 's3');
    const backup = startBystander(s3Dir, s3Dir);
    const postgresBackup = startBystander(path.join(nativeDir(), 'postgres'), path.join(nativeDir(), 'postgres'));
    bystanders.push(backup, postgresBackup);
    await eventually(() => processesWorkingIn(s3Dir).includes(backup.pid), 'the backup to start');
    const down = await native.cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(serversOfHost()).toEqual([]);
    expect(backup.alive() && postgresBackup.alive()).toBe(true);
    rmSync(stateFile(), { force: true });
    await up();
    const down2 = await native.cli(['down']);
    expect(down2.exitCode, down2.stderr).toBe(0);
    expect(backup.alive() && postgresBackup.alive()).toBe(true);
  });

  it.each([
    ['state.json removed', () => rmSync(stateFile())],
    ['state.json corrupt', () => writeFileSync(stateFile(), '{"version": 1, "services": {"postgres": {"pid": "garbage')],
    ['runtime.json removed', () => rmSync(runtimeFile())],
    ['runtime.json corrupt', () => writeFileSync(runtimeFile(), 'not json at all')],
    ['both removed', () => (rmSync(stateFile()), rmSync(runtimeFile()))],
  ])('%s while running: status sees both servers, up keeps them, down stops them', async (_what, damage) => {
    const before = serversOfHost();
    expect(before.length).toBeGreaterThanOrEqual(2);
    damage();
    const status = await statusServices();
    expect(status.run.exitCode, status.run.stdout + status.run.stderr).toBe(0);
    expect(status.services.map((s) => [s.name, s.state])).toEqual([['postgres', 'running'], ['s3', 'running']]);
    expect(await up()).toMatchObject({ started: false });
    const down = await native.cli(['down', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down)).toMatchObject({ stopped: true });
    expect(serversOfHost()).toEqual([]);
  });

  it('the project folder moved while running: status, up and down from the new place find the same servers', async () => {
    const servers = serversOfHost().sort();
    const moved = `${native.host.dir}-moved`;
    renameSync(native.host.dir, moved);
    const original = native.host.dir;
    try {
      const at = (args: string[]) => runCli(args, { cwd: moved, env: native.env, timeoutMs: 120_000 });
      const status = await at(['status', '--json']);
      expect(status.exitCode, status.stdout + status.stderr).toBe(0);
      const again = await at(['up', '--json']);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      expect(dataOf(again)).toMatchObject({ started: false });
      expect(processesWorkingIn(path.join(moved, '.datalayer', 'native')).sort()).toEqual(servers);
      const down = await at(['down']);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(processesWorkingIn(path.join(moved, '.datalayer', 'native'))).toEqual([]);
    } finally {
      renameSync(moved, original);
    }
  });

  /** `down` ends 0, says it stopped the native servers, and none of this host's runs any more. */
  async function downStopsEverything(): Promise<void> {
    const down = await native.cli(['down', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down)).toMatchObject({ runtime: 'native', stopped: true });
    expect(serversOfHost()).toEqual([]);
  }

  it('down after disable stops what runs (disable says the services keep running until down)', async () => {
    const disable = await native.cli(['disable']);
    expect(disable.exitCode, disable.stderr).toBe(0);
    try {
      await downStopsEverything();
    } finally {
      expect((await native.cli(['enable'])).exitCode).toBe(0);
    }
  });

  it('down with .env missing stops what runs', async () => {
    const envFile = path.join(native.host.dir, '.env');
    const kept = readFileSync(envFile);
    rmSync(envFile);
    try {
      await downStopsEverything();
    } finally {
      writeFileSync(envFile, kept, { mode: 0o600 });
    }
  });

  it('an up that fails after the S3 server started leaves it recorded: status shows it, down stops it', async () => {
    const down = await native.cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    // No record of the cluster's databases: up waits for Postgres inside the start, where it fails.
    rmSync(stateFile());
    const config = path.join(nativeDir(), 'postgres', 'postgresql.conf');
    const original = readFileSync(config);
    appendFileSync(config, '\nshared_buffers = not-a-size\n');
    try {
      const failed = await native.cli(['up', '--json']);
      expect(failed.exitCode, failed.stdout + failed.stderr).toBe(5);
      const status = await statusServices();
      expect(status.services.find((s) => s.name === 's3')?.state).toBe('running');
      const stop = await native.cli(['down']);
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(serversOfHost()).toEqual([]);
    } finally {
      writeFileSync(config, original);
    }
  });
});
