import { existsSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, runCli } from '../helpers/cli.js';
import { createDatabase, makeDockerHost, type DockerHost } from '../helpers/docker-host.js';
import { addMigration, initMigrationName, tagsMigrationName, writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { emulateComposeStack, type EmulatedStack } from '../helpers/published-ports.js';
import { startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';
import { commandLineOf, jsonFilesUnder, makeNativeHost, processesNaming, type NativeHost } from './native-host.js';
import { holdHostLock, lockPresent, startCli } from './processes.js';

/**
 * Faults during `up`: a database killed mid-migration, an S3 server that stops while the bucket
 * is ensured, and SIGINT / SIGTERM at each step. Exit codes, the lock, the ledger and the files
 * left behind are checked after each.
 */

/** Sits between init and tags in folder order; long enough to be caught in the middle. */
const SLOW_MIGRATION = '20250105000000_backfill_thread_names';
const SLOW_SQL = `CREATE TABLE "ThreadNameBackfill" ("id" INTEGER PRIMARY KEY);\nSELECT pg_sleep(2);\n`;

/** `.env` and every JSON file under `.datalayer/` parse: no half-written file. */
function expectWholeFiles(native: { host: { dir: string }; stateDir: string }): void {
  const envText = readFileSync(path.join(native.host.dir, '.env'), 'utf8');
  expect(envText).toMatch(/^CHAINLIT_DATALAYER_COMPOSE=/m);
  expect(envText.endsWith('\n')).toBe(true);
  for (const file of jsonFilesUnder(native.stateDir)) {
    expect(() => JSON.parse(readFileSync(file, 'utf8')), file).not.toThrow();
  }
  expect(existsSync(path.join(native.stateDir, 'lock-owner.json'))).toBe(false);
  expect(lockPresent(native.stateDir)).toBe(false);
}

/** Polls /proc until a process naming `argument` runs a program matching `program`; returns its pid. */
async function waitForProcess(argument: string, program: RegExp, timeoutMs = 15_000): Promise<number> {
  const giveUpAt = Date.now() + timeoutMs;
  while (Date.now() < giveUpAt) {
    const found = processesNaming(argument).find((pid) => program.test(commandLineOf(pid)));
    if (found) return found;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`no ${program} process on ${argument} within ${timeoutMs} ms`);
}

/** Waits until a migration's `pg_sleep` runs in another session: its transaction is open, not committed. */
async function waitForSleepingMigration(native: NativeHost, timeoutMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  const sql = "SELECT 1 AS found FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%pg_sleep(%'";
  while ((await native.query(sql)).length === 0) {
    if (Date.now() > giveUpAt) throw new Error(`no migration inside pg_sleep within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

type LedgerRow = { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null };
const readLedger = (native: NativeHost) =>
  native.query<LedgerRow>('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name');
const tableExists = async (native: NativeHost, name: string) =>
  (await native.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`"${name}"`]))[0]?.found != null;

describe('Postgres killed (SIGKILL) while a migration runs (native runtime)', () => {
  let native: NativeHost;
  beforeAll(async () => {
    native = await makeNativeHost('kill');
    await addMigration(native.migrationsDir, SLOW_MIGRATION, SLOW_SQL);
  });
  afterAll(async () => native?.cleanup());

  it('up exits 5 naming Postgres; nothing of the interrupted migration is recorded; the next up restarts Postgres and resumes', async () => {
    const up = startCli(['up'], { cwd: native.host.dir, env: native.env });
    await up.waitForStderr(new RegExp(`applying migration ${SLOW_MIGRATION}`), 90_000);
    // Inside pg_sleep: the migration's transaction is open, not committed.
    await waitForSleepingMigration(native);
    process.kill(native.recordedPids().postgres!, 'SIGKILL');
    const killed = await up.result();
    expect(killed.exitCode, killed.stderr).toBe(5);
    expect(killed.stderr).toMatch(new RegExp(`error: PostgreSQL went away while migration ${SLOW_MIGRATION} ran`));
    expectWholeFiles(native);

    // Postgres back without migrating: the ledger shows only what committed.
    const restarted = await native.cli(['up', '--no-migrate']);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    const ledger = await readLedger(native);
    expect(ledger.map((row) => [row.migration_name, row.finished_at !== null])).toEqual([[initMigrationName, true]]);
    expect(await tableExists(native, 'Thread')).toBe(true);
    expect(await tableExists(native, 'ThreadNameBackfill')).toBe(false);

    const resumed = await native.cli(['up', '--json']);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    expect((dataOf(resumed).migrations as { appliedNow: string[] }).appliedNow).toEqual([SLOW_MIGRATION, tagsMigrationName]);
    const after = await readLedger(native);
    expect(after.map((row) => [row.migration_name, row.finished_at !== null, row.rolled_back_at])).toEqual([
      [initMigrationName, true, null],
      [SLOW_MIGRATION, true, null],
      [tagsMigrationName, true, null],
    ]);
    expect(await tableExists(native, 'ThreadNameBackfill')).toBe(true);
  });
});

describe('the S3 server stops while the bucket is ensured (Docker emulation)', () => {
  let postgres: RealPostgres;
  let s3: RealS3;
  let fixture: DockerHost;
  let stack: EmulatedStack;
  let gate: Server;
  beforeAll(async () => {
    [postgres, s3] = await Promise.all([
      startRealPostgres({ user: 'root', password: 'root', database: 'postgres' }),
      startRealS3({ accessKey: 'random-key', secretKey: 'random-key' }),
    ]);
  });
  afterAll(async () => {
    await stack?.stop();
    gate?.closeAllConnections();
    await new Promise((done) => (gate ? gate.close(done) : done(undefined)));
    fixture?.host.cleanup();
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  it('exits 5 naming S3, and says what to do', async () => {
    fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker' } });
    await writeChainlitMigrations(fixture.host.submoduleDir);
    await createDatabase(postgres.url, fixture.database);
    // LocalStack's S3 API: healthy until the first request about the bucket, then the server is gone.
    let stopped = false;
    gate = createServer((request, response) => {
      if (stopped || request.url?.startsWith(`/${fixture.bucket}`)) {
        stopped = true;
        response.socket?.destroy();
        gate.close();
        return;
      }
      const forwarded = httpRequest({ host: '127.0.0.1', port: s3.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(forwarded);
    });
    const gatePort = await new Promise<number>((resolve) => gate.listen(0, '127.0.0.1', () => resolve((gate.address() as { port: number }).port)));
    stack = emulateComposeStack({
      docker: fixture.docker,
      postgres: { published: fixture.ports.postgres, backendPort: postgres.port },
      localstack: { published: fixture.ports.localstack, s3Port: gatePort },
    });
    const run = await runCli(['up', '--timeout', '30'], { cwd: fixture.host.dir, env: fixture.env });
    expect(stopped, `up never asked S3 about the bucket (exit ${run.exitCode}):\n${run.stderr}`).toBe(true);
    expect(run.exitCode, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/error: S3 at http:\/\/localhost:\d+/);
    expect(run.stderr).toMatch(/hint: /);
    expect(lockPresent(fixture.stateDir)).toBe(false);
  });
});

describe('SIGINT and SIGTERM before the start: waiting for another datalayer', () => {
  let native: NativeHost;
  beforeAll(async () => {
    native = await makeNativeHost('pre');
  });
  afterAll(async () => native?.host.cleanup());

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: exit ${code}, nothing started, the other holder's lock untouched`, async () => {
      const holder = await holdHostLock(native.stateDir, 'migrate');
      try {
        const up = startCli(['up'], { cwd: native.host.dir, env: native.env });
        await up.waitForStderr(/Waiting for another datalayer/, 30_000);
        up.child.kill(signal);
        // Ended by the signal while the holder still holds the lock: waiting on would never end.
        const run = await up.result();
        expect(run.exitCode, run.stderr).toBe(code);
        expect(run.stderr).toMatch(new RegExp(`Interrupted by ${signal}`));
        // Still the holder's: the interrupted command neither took nor removed it.
        expect(lockPresent(native.stateDir)).toBe(true);
        expect(JSON.parse(readFileSync(path.join(native.stateDir, 'lock-owner.json'), 'utf8'))).toMatchObject({ pid: holder.pid });
        expect(existsSync(path.join(native.stateDir, 'native'))).toBe(false);
        expect(processesNaming(native.stateDir).filter((pid) => pid !== holder.pid)).toEqual([]);
      } finally {
        await holder.stop();
      }
    });
  }
});

describe('SIGINT and SIGTERM during the readiness wait (Docker emulation, Postgres never answers)', () => {
  const hosts: DockerHost[] = [];
  const stacks: EmulatedStack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
    for (const fixture of hosts.splice(0)) fixture.host.cleanup();
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: exit ${code} at once, the lock released, the runtime record whole`, async () => {
      const fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker' } });
      hosts.push(fixture);
      await writeChainlitMigrations(fixture.host.submoduleDir);
      stacks.push(emulateComposeStack({ docker: fixture.docker, postgres: { published: fixture.ports.postgres }, localstack: { published: fixture.ports.localstack } }));
      const up = startCli(['up', '--timeout', '60'], { cwd: fixture.host.dir, env: fixture.env });
      await up.waitForStderr(/Waiting for Postgres/, 30_000);
      up.child.kill(signal);
      const run = await up.result();
      // The signal's code, not 5: the wait ended with the signal, not at the 60 s timeout.
      expect(run.exitCode, run.stderr).toBe(code);
      expect(run.stderr).not.toMatch(/was not ready in time/);
      expectWholeFiles({ host: fixture.host, stateDir: fixture.stateDir });
      // Compose started the containers and keeps them: `down` is how they stop, as after `docker compose up -d`.
      expect(JSON.parse(readFileSync(path.join(fixture.stateDir, 'runtime.json'), 'utf8'))).toMatchObject({ runtime: 'docker' });
    });
  }
});

describe('SIGINT and SIGTERM during a native first start and during migrations', () => {
  let native: NativeHost;
  beforeAll(async () => {
    native = await makeNativeHost('sig');
  });
  afterAll(async () => native?.cleanup());

  /** Servers of this host still running must all be recorded in state.json: nothing is left that `down` cannot stop. */
  function expectNoUnrecordedProcess(): void {
    const recorded = Object.values(native.recordedPids());
    const running = processesNaming(path.join(native.stateDir, 'native'));
    for (const pid of running) expect(recorded, `pid ${pid} runs on this host's data but is not recorded`).toContain(pid);
  }

  it('SIGINT while the services start the first time: exit 130, transient children gone, servers recorded; the next up completes', async () => {
    const up = startCli(['up'], { cwd: native.host.dir, env: native.env });
    await up.waitForStderr(/Starting services \(native\)/, 30_000);
    // Caught while initdb (a child of the command) creates the cluster; the S3 server is spawned right after it.
    const initdb = await waitForProcess(path.join(native.stateDir, 'native', 'postgres'), /initdb/);
    await waitForProcess(path.join(native.stateDir, 'native', 's3'), /s3-server-main/);
    up.child.kill('SIGINT');
    const run = await up.result();
    expect(run.exitCode, run.stderr).toBe(130);
    await new Promise((done) => setTimeout(done, 500));
    expectWholeFiles(native);
    expect(processesNaming(native.stateDir)).not.toContain(initdb);
    // initdb (a child of the command) is gone; the S3 server, detached by design to outlive the
    // command, is recorded in state.json: `down` stops it, the next `up` adopts it.
    expectNoUnrecordedProcess();
    const s3Pid = native.recordedPids().s3;
    expect(s3Pid).toBeGreaterThan(0);
    const next = await native.cli(['up', '--json']);
    expect(next.exitCode, next.stdout + next.stderr).toBe(0);
    expect((dataOf(next).migrations as { appliedNow: string[] }).appliedNow).toEqual([initMigrationName, tagsMigrationName]);
    expect(native.recordedPids().s3).toBe(s3Pid);
    expect((await native.cli(['status'])).exitCode).toBe(0);
  });

  for (const [signal, code, name] of [
    ['SIGINT', 130, '20250301000000_backfill_step_names'],
    ['SIGTERM', 143, '20250302000000_backfill_element_sizes'],
  ] as const) {
    it(`${signal} while a migration runs: exit ${code}, the lock released, no file half-written, the ledger consistent`, async () => {
      await addMigration(native.migrationsDir, name, `CREATE TABLE "${name}" ("id" INTEGER);\nSELECT pg_sleep(1.5);\n`);
      const up = startCli(['up'], { cwd: native.host.dir, env: native.env });
      await up.waitForStderr(new RegExp(`applying migration ${name}`), 30_000);
      await waitForSleepingMigration(native);
      up.child.kill(signal);
      const run = await up.result();
      expect(run.exitCode, run.stderr).toBe(code);
      expectWholeFiles(native);
      expectNoUnrecordedProcess();
      const row = (await readLedger(native)).find((entry) => entry.migration_name === name);
      // Finished means committed, and not finished means nothing of it is in the database.
      expect(row?.finished_at != null).toBe(await tableExists(native, name));
      // Interrupted inside its transaction: neither its table nor its row; the next up applies it once.
      expect(row).toBeUndefined();
      const next = await native.cli(['up', '--json']);
      expect(next.exitCode, next.stdout + next.stderr).toBe(0);
      expect((dataOf(next).migrations as { appliedNow: string[] }).appliedNow).toEqual([name]);
      expect(await tableExists(native, name)).toBe(true);
    });
  }
});
