import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { createDatabase, databaseUrl, makeDockerHost, queryDatabase, type DockerHost } from '../helpers/docker-host.js';
import {
  addBrokenMigration,
  addLaterMigration,
  brokenMigrationName,
  chainlitMigrationNames,
  laterMigrationName,
  writeChainlitMigrations,
} from '../helpers/migration-fixtures.js';
import { startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';

let postgres: RealPostgres;
const hosts: DockerHost[] = [];

beforeAll(async () => {
  postgres = await startRealPostgres({ user: 'root', password: 'root', database: 'postgres' });
});
afterAll(async () => {
  await postgres?.stop();
});
afterEach(() => {
  for (const fixture of hosts.splice(0)) fixture.host.cleanup();
});

/**
 * A local-state host whose POSTGRES_PORT is the real server's own port: `migrate` talks to the
 * host-side address and starts nothing, so no published-port stand-in is needed.
 */
async function hostOnRealPostgres(): Promise<{ fixture: DockerHost; migrationsDir: string; url: string }> {
  const fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker', POSTGRES_PORT: String(postgres.port) } });
  hosts.push(fixture);
  await createDatabase(postgres.url, fixture.database);
  const migrationsDir = await writeChainlitMigrations(fixture.host.submoduleDir);
  return { fixture, migrationsDir, url: databaseUrl(postgres.url, fixture.database) };
}

const cli = (fixture: DockerHost, args: string[]) => runInProcess(args, { cwd: fixture.host.dir, env: fixture.env });

interface MigrateDoc {
  applied: string[];
  pending: string[];
  failed: Array<{ name: string; logs: string | null }>;
  appliedNow: string[];
  database: string;
}
const docOf = (run: Awaited<ReturnType<typeof cli>>) => dataOf(run) as unknown as MigrateDoc;

describe('datalayer migrate', () => {
  it('--status before and after: pending, then applied; a folder added later is applied alone', async () => {
    const { fixture, migrationsDir, url } = await hostOnRealPostgres();
    const before = await cli(fixture, ['migrate', '--status', '--json']);
    expect(before.exitCode).toBe(0);
    expect(docOf(before)).toMatchObject({ applied: [], pending: [...chainlitMigrationNames], failed: [], appliedNow: [] });
    expect(docOf(before).database).toBe(`postgresql://root:****@localhost:${postgres.port}/${fixture.database}`);

    const apply = await cli(fixture, ['migrate', '--json']);
    expect(apply.exitCode).toBe(0);
    expect(docOf(apply)).toMatchObject({ applied: [...chainlitMigrationNames], pending: [], appliedNow: [...chainlitMigrationNames] });

    const after = await cli(fixture, ['migrate', '--status', '--json']);
    expect(docOf(after)).toMatchObject({ applied: [...chainlitMigrationNames], pending: [], failed: [], appliedNow: [] });

    await addLaterMigration(migrationsDir);
    const later = await cli(fixture, ['migrate']);
    expect(later.exitCode).toBe(0);
    expect(later.stderr).toContain(`applying migration ${laterMigrationName}`);
    expect(later.stderr).not.toContain(`applying migration ${chainlitMigrationNames[0]}`);
    const rows = await queryDatabase<{ count: string }>(url, 'SELECT count(*) AS count FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    expect(Number(rows[0]?.count)).toBe(3);
  });

  it('a failing migration: exit 3 naming it and the database error; the failed row then blocks, and --status shows it', async () => {
    const { fixture, migrationsDir } = await hostOnRealPostgres();
    expect((await cli(fixture, ['migrate'])).exitCode).toBe(0);
    await addBrokenMigration(migrationsDir);

    const failed = await cli(fixture, ['migrate']);
    expect(failed.exitCode).toBe(3);
    expect(failed.stderr).toContain(`Migration ${brokenMigrationName} failed`);
    expect(failed.stderr).toMatch(/noSuchColumn/);

    const again = await cli(fixture, ['migrate']);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toContain(brokenMigrationName);
    expect(again.stderr).toMatch(/failed earlier/);

    const status = await cli(fixture, ['migrate', '--status', '--json']);
    expect(status.exitCode).toBe(3);
    expect(jsonOf(status)).toMatchObject({ ok: false, command: 'migrate', exitCode: 3 });
    const doc = docOf(status);
    expect(doc.failed.map((f) => f.name)).toEqual([brokenMigrationName]);
    expect(doc.applied).toEqual([...chainlitMigrationNames]);
  });
});

describe('migrate: what it reports, and where the database comes from', () => {
  it('--status reports a migration edited after it was applied, as migrate does', async () => {
    const { fixture, migrationsDir } = await hostOnRealPostgres();
    expect((await cli(fixture, ['migrate'])).exitCode).toBe(0);
    const edited = path.join(migrationsDir, chainlitMigrationNames[1]!, 'migration.sql');
    appendFileSync(edited, '\n-- edited after it was applied\n');

    const json = await cli(fixture, ['migrate', '--status', '--json']);
    expect(json.exitCode).toBe(0);
    expect(dataOf(json)).toMatchObject({ modifiedAfterApply: [chainlitMigrationNames[1]] });
    const text = await cli(fixture, ['migrate', '--status']);
    expect(text.stderr).toContain(`migration ${chainlitMigrationNames[1]} was changed after it was applied`);
    expect(text.stdout).toContain('changed after it was applied');
  });

  it('--database-url wins over a DATABASE_URL exported in the shell; without it, the error says the shell set it', async () => {
    const { fixture, url } = await hostOnRealPostgres();
    const shell = { ...fixture.env, DATABASE_URL: 'postgresql://app:elsewhere@localhost:5999/appdb' };
    const explicit = await runInProcess(['migrate', '--status', '--database-url', url, '--json'], { cwd: fixture.host.dir, env: shell });
    expect(explicit.exitCode, explicit.stdout).toBe(0);
    expect(dataOf(explicit)).toMatchObject({ databaseFrom: '--database-url', pending: [...chainlitMigrationNames] });

    const implicit = await runInProcess(['migrate', '--status'], { cwd: fixture.host.dir, env: shell });
    expect(implicit.exitCode).toBe(3);
    expect(implicit.stderr).toContain('DATABASE_URL is set in the shell environment');
    expect(implicit.stderr).not.toContain('.env has');
  });

  it('an invalid --database-url is a usage error naming the option', async () => {
    const { fixture } = await hostOnRealPostgres();
    const run = await cli(fixture, ['migrate', '--status', '--database-url', 'mysql://x@y/z', '--json']);
    expect(run.exitCode).toBe(2);
    expect(jsonOf(run)).toMatchObject({ error: { message: expect.stringContaining('--database-url') } });
  });
});
