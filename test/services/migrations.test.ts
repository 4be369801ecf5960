import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, NotReadyError, RefusedError } from '../../src/support/errors.js';
import { applyPendingMigrations, readMigrationStatus } from '../../src/services/migrations/apply.js';
import { prismaMigrationLockKey } from '../../src/services/migrations/lock.js';
import type { LedgerTableRow } from '../../src/services/migrations/ledger.js';
import {
  addBrokenMigration,
  addLaterMigration,
  addMigration,
  brokenMigrationName,
  chainlitMigrationNames,
  initMigrationName,
  laterMigrationName,
  makeMigrationsFolder,
  removeMigrationsFolders,
  stepTypes,
  tagsMigrationName,
} from '../helpers/migration-fixtures.js';
import { freePort, startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';

let server: RealPostgres;
let databaseCount = 0;

beforeAll(async () => {
  server = await startRealPostgres({ user: 'root', password: 'root-pass-4c2', database: 'postgres' });
});
afterAll(async () => {
  await Promise.all([server?.stop(), removeMigrationsFolders()]);
});

/** A new empty database on the shared server, so tests do not see each other's ledgers. */
async function freshDatabase(): Promise<string> {
  const name = `migrations_${++databaseCount}`;
  await query(server.url, `CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

type Row = LedgerTableRow;

const ledger = (url: string): Promise<Row[]> =>
  query<Row>(url, 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name');

const sha256OfFile = async (dir: string, name: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(join(dir, name, 'migration.sql')))
    .digest('hex');

describe('applyPendingMigrations (real Postgres)', () => {
  it('applies both migrations and writes Prisma ledger rows', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    const announced: string[] = [];
    const result = await applyPendingMigrations({ url, migrationsDir: dir, onApply: (name) => announced.push(name) });
    expect(result).toEqual({ applied: [...chainlitMigrationNames], alreadyApplied: [], databaseOnly: [], modifiedAfterApply: [] });
    expect(announced).toEqual([...chainlitMigrationNames]);

    const rows = await ledger(url);
    expect(rows.map((row) => row.migration_name)).toEqual([...chainlitMigrationNames]);
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(await sha256OfFile(dir, row.migration_name));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
    const enumValues = await query<{ value: string }>(url, `SELECT unnest(enum_range(NULL::"StepType"))::text AS value`);
    expect(enumValues.map((row) => row.value)).toEqual([...stepTypes]);
    const tags = await query(url, `SELECT 1 FROM information_schema.columns WHERE table_name = 'Thread' AND column_name = 'tags'`);
    expect(tags).toHaveLength(1);
  });

  it('creates the ledger with exactly the columns Prisma creates', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await applyPendingMigrations({ url, migrationsDir: dir });
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string; length: number | null }>(
      url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS length
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable, c.length])).toEqual([
      ['id', 'character varying', 'NO', 36],
      ['checksum', 'character varying', 'NO', 64],
      ['finished_at', 'timestamp with time zone', 'YES', null],
      ['migration_name', 'character varying', 'NO', 255],
      ['logs', 'text', 'YES', null],
      ['rolled_back_at', 'timestamp with time zone', 'YES', null],
      ['started_at', 'timestamp with time zone', 'NO', null],
      ['applied_steps_count', 'integer', 'NO', null],
    ]);
  });

  it('does nothing on a second run', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await applyPendingMigrations({ url, migrationsDir: dir });
    const before = await ledger(url);
    const again = await applyPendingMigrations({ url, migrationsDir: dir });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual([...chainlitMigrationNames]);
    expect(await ledger(url)).toEqual(before);
  });

  it('applies a migration added later, alone', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await applyPendingMigrations({ url, migrationsDir: dir });
    await addLaterMigration(dir);
    const result = await applyPendingMigrations({ url, migrationsDir: dir });
    expect(result.applied).toEqual([laterMigrationName]);
    expect(result.alreadyApplied).toEqual([...chainlitMigrationNames]);
    expect((await ledger(url)).map((row) => row.migration_name)).toEqual([...chainlitMigrationNames, laterMigrationName]);
  });

  it('applies over a connection the caller holds, and leaves it open for the caller to end', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const result = await applyPendingMigrations({ url, migrationsDir: dir, client });
      expect(result.applied).toEqual([...chainlitMigrationNames]);
      // Still the same open session, and no other connection of ours was left behind.
      expect((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).toBe(pid);
      const others = await query<{ n: string }>(url, "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1", [pid]);
      expect(Number(others[0]!.n)).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('records a failing migration (logs, no finished_at, rolled back) and then refuses like P3009', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await addBrokenMigration(dir);
    const first = await applyPendingMigrations({ url, migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(ConfigError);
    expect((first as ConfigError).message).toContain(brokenMigrationName);
    expect((first as ConfigError).message).toContain('noSuchColumn');

    const failed = (await ledger(url)).find((row) => row.migration_name === brokenMigrationName)!;
    expect(failed.finished_at).toBeNull();
    expect(failed.rolled_back_at).toBeNull();
    expect(failed.applied_steps_count).toBe(0);
    expect(failed.logs).toContain('noSuchColumn');
    // The file ran as one transaction: its first statement did not survive the failure.
    expect(await query(url, `SELECT to_regclass('"Scratch"') AS found`)).toEqual([{ found: null }]);

    await addLaterMigration(dir);
    const second = await applyPendingMigrations({ url, migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(ConfigError);
    expect((second as ConfigError).exitCode).toBe(3);
    expect((second as ConfigError).message).toContain(brokenMigrationName);
    expect((second as ConfigError).hint).toContain(`prisma migrate resolve --rolled-back ${brokenMigrationName}`);
    expect((await ledger(url)).map((row) => row.migration_name)).not.toContain(laterMigrationName);

    const status = await readMigrationStatus({ url, migrationsDir: dir });
    expect(status.failed.map((f) => f.name)).toEqual([brokenMigrationName]);
    expect(status.pending).toEqual([laterMigrationName]);
  });

  it('re-applies a migration whose failed row was marked rolled back', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await addBrokenMigration(dir);
    await expect(applyPendingMigrations({ url, migrationsDir: dir })).rejects.toBeInstanceOf(ConfigError);
    // What `prisma migrate resolve --rolled-back` does, after the author fixed the file.
    await query(url, 'UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1', [brokenMigrationName]);
    await addMigration(dir, brokenMigrationName, 'CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY);\n');

    const result = await applyPendingMigrations({ url, migrationsDir: dir });
    expect(result.applied).toEqual([brokenMigrationName]);
    const rows = (await ledger(url)).filter((row) => row.migration_name === brokenMigrationName);
    expect(rows).toHaveLength(2);
    expect(rows.filter((row) => row.rolled_back_at === null && row.finished_at !== null)).toHaveLength(1);
  });

  it('refuses like P3005 when the database has tables but no ledger', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await query(url, 'CREATE TABLE legacy_notes (id integer)');
    const error = await applyPendingMigrations({ url, migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('legacy_notes');
    expect((error as ConfigError).hint).toContain('prisma migrate resolve --applied');
    expect(await query(url, `SELECT to_regclass('_prisma_migrations') AS found`)).toEqual([{ found: null }]);
  });

  it('applies each migration exactly once when two runs race', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    const [a, b] = await Promise.all([
      applyPendingMigrations({ url, migrationsDir: dir }),
      applyPendingMigrations({ url, migrationsDir: dir }),
    ]);
    expect([...a.applied, ...b.applied].sort()).toEqual([...chainlitMigrationNames]);
    expect((await ledger(url)).map((row) => row.migration_name)).toEqual([...chainlitMigrationNames]);
  });

  it('gives up with RefusedError (exit 6) while another session holds Prisma\'s advisory lock', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // The statement Prisma itself runs.
      await holder.query('SELECT pg_advisory_lock(72707369)');
      expect(prismaMigrationLockKey).toBe(72707369);
      const error = await applyPendingMigrations({ url, migrationsDir: dir, lockTimeoutMs: 1_000 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(RefusedError);
      expect((error as RefusedError).exitCode).toBe(6);
      expect((error as RefusedError).message).toMatch(/another migrator holds/i);
      expect(await query(url, `SELECT to_regclass('_prisma_migrations') AS found`)).toEqual([{ found: null }]);
    } finally {
      await holder.end();
    }
  });

  it('reports migrations only in the database and files changed after they were applied', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    await applyPendingMigrations({ url, migrationsDir: dir });
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000000', $1, '20240101000000_from_elsewhere', now(), 1)`,
      ['a'.repeat(64)],
    );
    const sqlPath = join(dir, tagsMigrationName, 'migration.sql');
    await writeFile(sqlPath, `${await readFile(sqlPath, 'utf8')}-- edited after it was applied\n`);
    const result = await applyPendingMigrations({ url, migrationsDir: dir });
    expect(result.applied).toEqual([]);
    expect(result.databaseOnly).toEqual(['20240101000000_from_elsewhere']);
    expect(result.modifiedAfterApply).toEqual([tagsMigrationName]);
  });

  it('lists pending migrations without creating anything', async () => {
    const [url, dir] = await Promise.all([freshDatabase(), makeMigrationsFolder()]);
    const status = await readMigrationStatus({ url, migrationsDir: dir });
    expect(status).toMatchObject({ ledgerExists: false, applied: [], pending: [initMigrationName, tagsMigrationName] });
    expect(await query(url, `SELECT to_regclass('_prisma_migrations') AS found`)).toEqual([{ found: null }]);
  });

  it('fails with NotReadyError (exit 5) when Postgres is not reachable', async () => {
    const dir = await makeMigrationsFolder();
    const url = new URL(server.url);
    url.port = String(await freePort());
    const error = await applyPendingMigrations({ url: url.toString(), migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).not.toContain('root-pass-4c2');
  });
});
