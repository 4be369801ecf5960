import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';

let postgres: RealPostgres;
const hosts: HostFixture[] = [];
beforeAll(async () => {
  postgres = await startRealPostgres({ user: 'root', password: 'right-pw-7c2e', database: 'postgres' });
});
afterAll(async () => {
  await postgres?.stop();
});
afterEach(() => {
  for (const host of hosts.splice(0)) host.cleanup();
});

/** An external-state host on the real server, with the URL given (no S3 configured). */
async function externalHost(url: string, options: { migrations?: boolean } = {}): Promise<HostFixture> {
  const host = makeHost({ env: `CHAINLIT_AUTH_SECRET=${'s'.repeat(40)}\nDATABASE_URL=${url}\n` });
  hosts.push(host);
  if (options.migrations === false) rmSync(path.join(host.submoduleDir, 'prisma'), { recursive: true, force: true });
  else await writeChainlitMigrations(host.submoduleDir);
  return host;
}

const urlWith = (password: string, database: string) => `postgresql://root:${password}@127.0.0.1:${postgres.port}/${database}`;

describe('status says why Postgres is not usable, in the report itself', () => {
  it('a refused login (wrong password) is "login refused", not "not reachable"', async () => {
    const host = await externalHost(urlWith('wrong-pw-1111', 'postgres'));
    const text = await runInProcess(['status'], { cwd: host.dir });
    expect(text.exitCode).toBe(5);
    expect(text.stdout).toMatch(/✖ postgres +login refused at postgresql:\/\/root:\*\*\*\*@127\.0\.0\.1:\d+\/postgres: authentication failed/);
    expect(text.stdout).toContain('refused the login');
    expect(text.stdout).not.toContain('not reachable');
    expect(text.stdout).not.toContain('wrong-pw-1111');
    const json = await runInProcess(['status', '--json'], { cwd: host.dir });
    expect(dataOf(json)).toMatchObject({ postgres: { reachable: false, reason: 'auth' } });
  });

  it('a missing database says so', async () => {
    const host = await externalHost(urlWith('right-pw-7c2e', 'no_such_db'));
    const text = await runInProcess(['status'], { cwd: host.dir });
    expect(text.exitCode).toBe(5);
    expect(text.stdout).toMatch(/✖ postgres +database missing at .*no_such_db.*does not exist/);
    expect(text.stdout).not.toContain('not reachable');
  });

  it('a missing migrations folder is about the migrations: Postgres itself is reachable', async () => {
    const host = await externalHost(urlWith('right-pw-7c2e', 'postgres'), { migrations: false });
    const text = await runInProcess(['status'], { cwd: host.dir });
    expect(text.exitCode).toBe(5);
    expect(text.stdout).toMatch(/✔ postgres +reachable at /);
    expect(text.stdout).toMatch(/✖ migrations +no migrations could be read at extern\/chainlit-datalayer\/prisma\/migrations/);
    expect(text.stdout).not.toContain('not reachable');
  });

  it('nothing listening is "not reachable", with the cause', async () => {
    const host = await externalHost(`postgresql://root:x@127.0.0.1:1/postgres`);
    const text = await runInProcess(['status'], { cwd: host.dir });
    expect(text.exitCode).toBe(5);
    expect(text.stdout).toMatch(/✖ postgres +not reachable at .*: connection refused/);
  });
});
