import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { makeNativeProject, processesWorkingIn } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';

const isRoot = process.getuid?.() === 0;

/** The real uid of a process, from /proc. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/**
 * As root, a project under a 0700 directory (/root/app on a VPS or in a container). Postgres
 * refuses root and its user cannot enter the 0700 directory: its data is kept in a private
 * directory of root's (/var/lib/datalayer/projects/<id>), reached from the project by the link
 * .datalayer/native/postgres; the S3 server enters its directory as root before it drops to the
 * server user. up, status, down, up again with the data kept; down --volumes removes it all.
 */
describe.runIf(isRoot)('as root, a project under a 0700 directory', () => {
  let native: NativeHost;
  let closed: string;
  let dir: string;
  const cli = (args: string[], cwd = dir) => runCli(args, { cwd, env: native.env, timeoutMs: 180_000 });
  const url = () => `postgresql://chainlit:${encodeURIComponent(native.secrets.password)}@127.0.0.1:${native.ports.postgres}/chainlit`;
  const query = async <T extends pg.QueryResultRow>(sql: string) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const dataLink = () => path.join(dir, '.datalayer', 'native', 'postgres');

  beforeAll(async () => {
    native = await makeNativeProject('private');
    closed = mkdtempSync(path.join(tmpdir(), 'datalayer-closed-'));
    expect(statSync(closed).mode & 0o777).toBe(0o700);
    dir = path.join(closed, 'app');
    renameSync(native.host.dir, dir);
  });

  afterAll(async () => {
    if (!dir) return;
    await cli(['down', '--volumes', '--yes']);
    rmSync(closed, { recursive: true, force: true });
    native.host.cleanup();
  });

  it('up works; Postgres data is behind a link to a private directory, both servers run unprivileged', async () => {
    const up = await cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(lstatSync(dataLink()).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dataLink())).toMatch(/^\/var\/lib\/datalayer\/projects\/[0-9a-f]{16}\/postgres$/);
    const pids = processesWorkingIn(path.join(dir, '.datalayer', 'native'));
    expect(pids.length).toBeGreaterThanOrEqual(1);
    expect(pids.every((pid) => uidOf(pid) !== 0)).toBe(true);
    const s3Owner = statSync(path.join(dir, '.datalayer', 'native', 's3')).uid;
    expect(s3Owner).not.toBe(0);
    await query(`CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written before down')`);
  });

  it('status is ready, down stops both, up again finds the data', async () => {
    const status = await cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(dataOf(status)).toMatchObject({ ready: true, runtime: 'native' });
    const down = await cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(processesWorkingIn(path.join(dir, '.datalayer', 'native'))).toEqual([]);
    expect(processesWorkingIn(readlinkSync(dataLink()))).toEqual([]);
    const up = await cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(await query<{ note: string }>('SELECT note FROM kept')).toEqual([{ note: 'written before down' }]);
  });

  it('a copy of the project does not touch the original\'s database: refused, with the way to a database of its own', async () => {
    const down = await cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    const copy = path.join(closed, 'copy');
    cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    try {
      const refused = await cli(['up', '--json'], copy);
      expect(refused.exitCode, refused.stdout + refused.stderr).toBe(6);
      const error = jsonOf(refused).error as { message: string; hint: string };
      expect(error.message).toMatch(/copy/);
      const volumes = await cli(['down', '--volumes', '--yes'], copy);
      expect(volumes.exitCode).toBe(6);
      expect(existsSync(readlinkSync(dataLink()))).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    const up = await cli(['up']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(await query<{ note: string }>('SELECT note FROM kept')).toEqual([{ note: 'written before down' }]);
  });

  it('down --volumes deletes the private data directory with the project\'s', async () => {
    const target = path.dirname(readlinkSync(dataLink()));
    const down = await cli(['down', '--volumes', '--yes', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(dir, '.datalayer', 'native'))).toBe(false);
  });
});
