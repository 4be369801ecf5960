import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { makeHost, seedEnv } from '../helpers/host-fixture.js';
import { addMigration, chainlitMigrationNames } from '../helpers/migration-fixtures.js';
import { makeNativeHost, type NativeHost } from './native-host.js';
import { holdHostLock, lockPresent, startCli } from './processes.js';

/**
 * One datalayer at a time per host, stale locks taken over, and Prisma's advisory lock honoured:
 * the "one datalayer at a time" and "any order with prisma migrate" promises of the README.
 */
const PRISMA_LOCK_KEY = 72707369;
let native: NativeHost;

beforeAll(async () => {
  native = await makeNativeHost('conc');
});
afterAll(async () => {
  await native?.cleanup();
});

/** Lines of the server log that mark a Postgres start and a cluster creation. */
function startMarkers(): { serverStarts: number; initdbRuns: number; s3Starts: number } {
  const logs = path.join(native.stateDir, 'logs');
  const postgresLog = readFileSync(path.join(logs, 'postgres.log'), 'utf8');
  const s3Log = readFileSync(path.join(logs, 's3.log'), 'utf8');
  return {
    serverStarts: postgresLog.match(/database system is ready to accept connections/g)?.length ?? 0,
    initdbRuns: postgresLog.match(/The files belonging to this database system/g)?.length ?? 0,
    s3Starts: s3Log.match(/S3 server listening on/g)?.length ?? 0,
  };
}

describe('five `datalayer up` at once in one host (native runtime)', () => {
  it('runs exactly one start sequence; the others wait for it; the stack ends healthy', async () => {
    const runs = await Promise.all(Array.from({ length: 5 }, () => native.cli(['up', '--json'])));
    for (const run of runs) expect([0, 6], `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`).toContain(run.exitCode);
    for (const run of runs) expect(jsonOf(run)).toMatchObject({ command: 'up', exitCode: run.exitCode, ok: run.exitCode === 0 });
    const documents = runs.map((run) => dataOf(run));
    const starters = documents.filter((doc) => doc.started === true);
    expect(starters).toHaveLength(1);
    // Whoever did not start anything either found the stack up after waiting, or refused with exit 6.
    for (const [index, doc] of documents.entries()) {
      if (doc.started === true) continue;
      if (runs[index]!.exitCode === 0) expect(doc).toMatchObject({ started: false, migrations: { applied: [...chainlitMigrationNames], appliedNow: [] } });
      else expect(runs[index]!.stderr + runs[index]!.stdout).toMatch(/Another datalayer/);
    }
    expect(starters[0]!.migrations).toEqual({ applied: [...chainlitMigrationNames], appliedNow: [...chainlitMigrationNames] });
    // One initdb, one Postgres start: the logs would show a second start sequence.
    expect(startMarkers()).toEqual({ serverStarts: 1, initdbRuns: 1, s3Starts: 1 });
    const ledger = await native.query<{ migration_name: string; n: string }>(
      'SELECT migration_name, count(*) AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name',
    );
    expect(ledger).toEqual(chainlitMigrationNames.map((name) => ({ migration_name: name, n: '1' })));
    const status = await native.cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(dataOf(status)).toMatchObject({ ready: true });
    expect(lockPresent(native.stateDir)).toBe(false);
  });

  it('five more on the running stack: the recorded pids never change, nothing starts', async () => {
    const before = native.recordedPids();
    expect(before.postgres).toBeGreaterThan(0);
    const runs = await Promise.all(Array.from({ length: 5 }, () => native.cli(['up', '--json'])));
    for (const run of runs) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(dataOf(run)).toMatchObject({ started: false });
    }
    expect(native.recordedPids()).toEqual(before);
    expect(startMarkers()).toEqual({ serverStarts: 1, initdbRuns: 1, s3Starts: 1 });
  });
});

describe('a lock whose holder was killed with SIGKILL', () => {
  it('is taken over by the next command within the stale period', async () => {
    const holder = await holdHostLock(native.stateDir, 'up');
    await holder.kill9();
    expect(lockPresent(native.stateDir)).toBe(true);
    // Died just now, as far as the lock shows: its refreshes go on until the next command has
    // found the lock held (however long that command takes to start), then stop.
    const lockDir = path.join(native.stateDir, 'datalayer.lock');
    let lastRefresh = Date.now();
    const refresh = (): void => {
      lastRefresh = Date.now();
      utimesSync(lockDir, new Date(lastRefresh), new Date(lastRefresh));
    };
    refresh();
    const refreshing = setInterval(refresh, 250);
    const up = startCli(['up'], { cwd: native.host.dir, env: native.env });
    try {
      await up.waitForStderr(/is no longer running/);
    } finally {
      clearInterval(refreshing);
    }
    const staleAt = lastRefresh + 5_000;
    const run = await up.result();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    // The dead holder is named as such, not as a datalayer at work; its lock is respected until
    // stale (5 s after its last refresh), then taken over.
    expect(run.stderr).toContain(`The datalayer that holds the project lock (pid ${holder.pid}, up) is no longer running`);
    expect(run.stderr).not.toContain('Waiting for another datalayer');
    // Taken over once stale, not before; exit 0 rather than 6 shows it did not wait out its own limit.
    expect(run.endedAt).toBeGreaterThanOrEqual(staleAt);
    expect(lockPresent(native.stateDir)).toBe(false);
    const status = await native.cli(['status']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
  });

  it('a live holder is not taken over: a command that cannot wait long enough exits 6 naming it', async () => {
    const holder = await holdHostLock(native.stateDir, 'migrate');
    try {
      // `up --timeout 2` waits at most its timeout for the lock.
      const up = await native.cli(['up', '--timeout', '2', '--json']);
      expect(up.exitCode).toBe(6);
      expect(jsonOf(up)).toMatchObject({ ok: false, exitCode: 6 });
      expect(up.stderr + up.stdout).toContain(`pid ${holder.pid}, migrate`);
      // Still the holder's: neither taken over nor removed.
      expect(lockPresent(native.stateDir)).toBe(true);
      expect(JSON.parse(readFileSync(path.join(native.stateDir, 'lock-owner.json'), 'utf8'))).toMatchObject({ pid: holder.pid });
    } finally {
      await holder.stop();
    }
  });
});

describe('`secret --write` beside `disable`, 20 rounds', () => {
  it('both edits land every time: each waits for the other\'s lock, none overwrites the other', async () => {
    const fixture = makeHost();
    const envFile = path.join(fixture.dir, '.env');
    const oldSecret = 'old-secret-kept-only-if-an-edit-is-lost-0123456789';
    const lost: string[] = [];
    try {
      for (let round = 1; round <= 20; round += 1) {
        writeFileSync(envFile, seedEnv({ secret: oldSecret }));
        const [secret, disable] = await Promise.all([runCli(['secret', '--write'], { cwd: fixture.dir }), runCli(['disable'], { cwd: fixture.dir })]);
        expect(secret.exitCode, secret.stderr).toBe(0);
        expect(disable.exitCode, disable.stderr).toBe(0);
        const text = readFileSync(envFile, 'utf8');
        if (text.includes(oldSecret)) lost.push(`round ${round}: the new secret`);
        if (/^CHAINLIT_DATALAYER_COMPOSE=/m.test(text)) lost.push(`round ${round}: the disable`);
      }
    } finally {
      fixture.cleanup();
    }
    expect(lost).toEqual([]);
  }, 300_000);
});

/** A second migrator acting the way `prisma migrate deploy` does, on its own connection. */
async function prismaLikeMigrate(
  client: pg.Client,
  migrations: Array<{ name: string; sql: string }>,
): Promise<string[]> {
  const applied: string[] = [];
  const done = await client.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE rolled_back_at IS NULL',
  );
  const known = new Set(done.rows.map((row) => row.migration_name));
  for (const migration of migrations) {
    if (known.has(migration.name)) continue;
    const id = randomUUID();
    const checksum = createHash('sha256').update(migration.sql).digest('hex');
    await client.query('INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)', [id, checksum, migration.name]);
    await client.query(migration.sql);
    await client.query('UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1', [id]);
    applied.push(migration.name);
  }
  return applied;
}

/** Waits until another session has asked for Prisma's lock (`pg_try_advisory_lock`) and been refused. */
async function waitForLockAttempt(observer: pg.Client): Promise<void> {
  for (let tries = 0; ; tries++) {
    const asked = await observer.query(
      "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE 'SELECT pg_try_advisory_lock(%'",
    );
    if (asked.rowCount) return;
    if (tries > 2_000) throw new Error('datalayer never asked for the advisory lock');
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('`datalayer migrate` beside a second migrator holding Prisma\'s advisory lock', () => {
  const connect = async () => {
    const client = new pg.Client({ connectionString: native.databaseUrl() });
    await client.connect();
    return client;
  };
  const ledgerCounts = () =>
    native.query<{ migration_name: string; n: string; finished: string }>(
      `SELECT migration_name, count(*) AS n, count(finished_at) AS finished FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name`,
    );

  it('the other migrator holds the lock first: migrate waits, then applies only what the other left', async () => {
    const first = { name: '20250301120000_add_archived_to_thread', sql: 'ALTER TABLE "Thread" ADD COLUMN "archived" BOOLEAN NOT NULL DEFAULT false;\n' };
    const second = { name: '20250302120000_add_pinned_to_thread', sql: 'ALTER TABLE "Thread" ADD COLUMN "pinned" BOOLEAN NOT NULL DEFAULT false;\n' };
    for (const migration of [first, second]) await addMigration(native.migrationsDir, migration.name, migration.sql);
    const other = await connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [PRISMA_LOCK_KEY]);
      const migrate = native.cli(['migrate', '--json']);
      await waitForLockAttempt(other);
      const appliedByOther = await prismaLikeMigrate(other, [first]);
      await other.query('SELECT pg_advisory_unlock($1)', [PRISMA_LOCK_KEY]);
      const run = await migrate;
      expect(run.exitCode, run.stdout + run.stderr).toBe(0);
      expect(appliedByOther).toEqual([first.name]);
      expect(dataOf(run).appliedNow).toEqual([second.name]);
    } finally {
      await other.end();
    }
    // An ALTER TABLE ADD COLUMN run twice would have failed and left a failed row: each ran once.
    const counts = await ledgerCounts();
    expect(counts.filter((row) => row.n !== '1' || row.finished !== '1')).toEqual([]);
    expect(counts.map((row) => row.migration_name)).toEqual([...chainlitMigrationNames, first.name, second.name]);
  });

  it('migrate holds the lock first: the other migrator blocks on it, then finds nothing left to apply', async () => {
    const slow = {
      name: '20250303120000_add_rating_to_feedback',
      sql: 'ALTER TABLE "Feedback" ADD COLUMN "rating" INTEGER;\nSELECT pg_sleep(1.5);\n',
    };
    await addMigration(native.migrationsDir, slow.name, slow.sql);
    const migrate = native.cli(['migrate', '--json']);
    const other = await connect();
    try {
      // Wait until datalayer holds the advisory lock (visible to everyone in pg_locks).
      for (let tries = 0; ; tries++) {
        const held = await other.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND objid = $2 AND granted', ['advisory', PRISMA_LOCK_KEY]);
        if (held.rowCount) break;
        if (tries > 200) throw new Error('datalayer never took the advisory lock');
        await new Promise((done) => setTimeout(done, 25));
      }
      // Blocks until datalayer releases it, as Prisma's pg_advisory_lock does.
      await other.query('SELECT pg_advisory_lock($1)', [PRISMA_LOCK_KEY]);
      const appliedByOther = await prismaLikeMigrate(other, [slow]);
      await other.query('SELECT pg_advisory_unlock($1)', [PRISMA_LOCK_KEY]);
      expect(appliedByOther).toEqual([]);
    } finally {
      await other.end();
    }
    const run = await migrate;
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(dataOf(run).appliedNow).toEqual([slow.name]);
    const counts = await ledgerCounts();
    expect(counts.find((row) => row.migration_name === slow.name)).toEqual({ migration_name: slow.name, n: '1', finished: '1' });
  });
});
