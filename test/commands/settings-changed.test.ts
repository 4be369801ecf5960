import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeDockerHost, withValues, type DockerHost } from '../helpers/docker-host.js';
import { freePort } from '../helpers/no-docker-env.js';
import { makeNativeProject } from '../helpers/native-processes.js';
import { emulateComposeStack, type EmulatedStack } from '../helpers/published-ports.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import type { NativeHost } from '../reliability/native-host.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const ledger = (url: string) => query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations ORDER BY 1');

/**
 * POSTGRES_PORT, LOCALSTACK_PORT, POSTGRES_DB, POSTGRES_USER or POSTGRES_PASSWORD edited in `.env`
 * while the stack runs: `up` says what changed and what it does, restarts what it safely can (a
 * native server on a new port), never waits its whole timeout on a port nothing listens on, and
 * gives one piece of advice that works.
 */
describe('native: .env changed while the stack runs', () => {
  let native: NativeHost;
  const envFile = () => path.join(native.host.dir, '.env');
  const edit = (values: Record<string, string>) => writeFileSync(envFile(), withValues(readFileSync(envFile(), 'utf8'), values));
  const url = (port: number, database: string) => `postgresql://chainlit:${encodeURIComponent(native.secrets.password)}@127.0.0.1:${port}/${database}`;

  beforeAll(async () => {
    native = await makeNativeProject('drift', { inProcess: true });
    const up = await native.cli(['up']);
    expect(up.exitCode, up.stderr).toBe(0);
  });

  afterAll(async () => {
    if (native) await native.cleanup();
  });

  it('POSTGRES_PORT: up says so, restarts Postgres on the new port, and the data is there', async () => {
    const old = native.ports.postgres;
    const next = await freePort();
    edit({ POSTGRES_PORT: String(next) });
    const up = await native.cli(['up', '--timeout', '60']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toContain(`POSTGRES_PORT changed from ${old} to ${next} since the stack started: restarting postgres on ${next}`);
    expect((await ledger(url(next, 'chainlit'))).length).toBe(2);
    await expect(query(url(old, 'chainlit'), 'SELECT 1')).rejects.toThrow();
    native.ports.postgres = next;
  });

  it('LOCALSTACK_PORT: up says so and restarts the S3 server on the new port, bucket kept', async () => {
    const old = native.ports.s3;
    const next = await freePort();
    edit({ LOCALSTACK_PORT: String(next) });
    const up = await native.cli(['up', '--timeout', '60']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(up.stderr).toContain(`LOCALSTACK_PORT changed from ${old} to ${next} since the stack started: restarting s3 on ${next}`);
    expect(up.stdout).toMatch(/Bucket: +chainlit-files$/m);
    native.ports.s3 = next;
  });

  it('POSTGRES_DB: up says the app now uses the new database, creates and migrates it; the old one keeps its data', async () => {
    edit({ POSTGRES_DB: 'chainlit_next' });
    const up = await native.cli(['up', '--timeout', '60', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(up.stderr).toMatch(/POSTGRES_DB changed from chainlit to chainlit_next since the stack started/);
    expect((dataOf(up).migrations as { appliedNow: string[] }).appliedNow).toHaveLength(2);
    expect((await ledger(url(native.ports.postgres, 'chainlit'))).length).toBe(2);
    // Recorded: the next up has nothing to say about it.
    const again = await native.cli(['up']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toMatch(/POSTGRES_DB changed/);
  });

  it('POSTGRES_PASSWORD: up exits 3 at once, saying the password changed and that Postgres keeps the first one; the advice does not send to down then up', async () => {
    const original = readFileSync(envFile());
    edit({ POSTGRES_PASSWORD: 'another-password-9' });
    try {
      const up = await native.cli(['up', '--timeout', '60', '--json']);
      expect(up.exitCode, up.stdout + up.stderr).toBe(3);
      const error = jsonOf(up).error as { message: string; hint: string };
      expect(error.message).toMatch(/POSTGRES_PASSWORD changed since the stack started/);
      expect(error.hint).toMatch(/previous POSTGRES_PASSWORD/);
      expect(error.hint).not.toMatch(/`datalayer down`(?! --volumes)/);
      expect(up.stdout + up.stderr).not.toContain('another-password-9');
    } finally {
      writeFileSync(envFile(), original);
    }
  });
});

describe('docker: a port changed while the containers run', () => {
  let fixture: DockerHost;
  let stack: EmulatedStack;

  beforeAll(async () => {
    fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker' } });
    await writeChainlitMigrations(fixture.host.submoduleDir);
    stack = emulateComposeStack({ docker: fixture.docker, postgres: { published: fixture.ports.postgres }, localstack: { published: fixture.ports.localstack } });
    const up = await runInProcess(['up', '--no-wait'], { cwd: fixture.host.dir, env: fixture.env });
    expect(up.exitCode, up.stderr).toBe(0);
    await stack.whenUp();
  });

  afterAll(async () => {
    await stack?.stop();
    fixture?.host.cleanup();
  });

  it('up exits 6 before waiting, naming the change and the one command that applies it', async () => {
    const envFile = path.join(fixture.host.dir, '.env');
    const next = await freePort();
    writeFileSync(envFile, withValues(readFileSync(envFile, 'utf8'), { POSTGRES_PORT: String(next) }));
    const up = await runInProcess(['up', '--timeout', '60', '--json'], { cwd: fixture.host.dir, env: fixture.env });
    expect(up.exitCode, up.stdout + up.stderr).toBe(6);
    expect(up.stderr).not.toMatch(/Waiting for /);
    const error = jsonOf(up).error as { message: string; hint: string };
    expect(error.message).toContain(`POSTGRES_PORT changed from ${fixture.ports.postgres} to ${next}`);
    expect(error.hint).toContain('`datalayer down` then `datalayer up`');
    expect(stack.composeCalls('up')).toHaveLength(1);
  });
});
