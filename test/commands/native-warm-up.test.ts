import { DeleteBucketCommand, DeleteBucketCorsCommand, GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { addLaterMigration, laterMigrationName } from '../helpers/migration-fixtures.js';
import { eventually, isRunning, makeNativeProject } from '../helpers/native-processes.js';
import { queryRows } from '../helpers/real-postgres.js';
import type { NativeHost } from '../reliability/native-host.js';

/**
 * `up` on a running stack checks with one Postgres login and one S3 request. Whatever changed
 * behind datalayer's back since the last `up` is found by those checks themselves, never taken
 * from what an earlier run learnt: each test changes the running stack, then runs `up` once.
 */
describe('native: up on a running stack sees what changed behind its back', () => {
  let native: NativeHost;
  const up = async () => {
    const run = await native.cli(['up', '--json']);
    return { run, data: dataOf(run) };
  };
  const s3 = () =>
    new S3Client({
      endpoint: `http://127.0.0.1:${native.ports.s3}`,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: native.secrets.accessKey, secretAccessKey: native.secrets.secretKey },
    });

  beforeAll(async () => {
    native = await makeNativeProject('warm', { inProcess: true });
    const first = await native.cli(['up']);
    expect(first.exitCode, first.stderr).toBe(0);
  });

  afterAll(async () => {
    if (native) await native.cleanup();
  });

  it('a second up starts nothing, applies nothing, finds the bucket with its CORS rules', async () => {
    const { run, data } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(data).toMatchObject({ started: false, bucket: { name: 'chainlit-files', created: false, cors: 'present' }, migrations: { appliedNow: [] } });
  });

  it('a second up logs in to Postgres once', async () => {
    // Sessions ever established to the database; read once no other client backend is left, so
    // that every session that ended is counted (a backend reports its session when it exits).
    const settledSessions = async () => {
      await eventually(async () => {
        const [row] = await native.query<{ others: string }>(
          "SELECT count(*) AS others FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
        );
        return Number(row?.others) === 0;
      }, 'the other sessions to end');
      const [row] = await native.query<{ sessions: string }>(
        'SELECT pg_stat_clear_snapshot(), sessions FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(row?.sessions);
    };
    const before = await settledSessions();
    const { run } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    // Besides up's: the session that read `before` and the one that waited for the others to end.
    expect((await settledSessions()) - before - 2).toBe(1);
  });

  it('the bucket deleted: up creates it again, with its CORS rules', async () => {
    await s3().send(new DeleteBucketCommand({ Bucket: 'chainlit-files' }));
    const { run, data } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(data).toMatchObject({ started: false, bucket: { name: 'chainlit-files', created: true, cors: 'set' } });
    const cors = await s3().send(new GetBucketCorsCommand({ Bucket: 'chainlit-files' }));
    expect(cors.CORSRules?.[0]?.AllowedMethods).toEqual(['GET', 'POST', 'PUT']);
  });

  it('the CORS rules removed: up sets them again', async () => {
    await s3().send(new DeleteBucketCorsCommand({ Bucket: 'chainlit-files' }));
    const { run, data } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(data).toMatchObject({ bucket: { created: false, cors: 'set' } });
  });

  it('a migration added to the folder: up applies it, alone', async () => {
    await addLaterMigration(native.migrationsDir);
    const { run, data } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(data).toMatchObject({ started: false, migrations: { appliedNow: [laterMigrationName] } });
    const ledger = await native.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1');
    expect(ledger.map((row) => row.migration_name)).toContain(laterMigrationName);
  });

  it('the password changed on the server: up exits 3 naming the credentials, it does not say ready', async () => {
    await native.query(`ALTER USER chainlit PASSWORD 'changed-behind-its-back'`);
    try {
      const { run } = await up();
      expect(run.exitCode, run.stdout).toBe(3);
      expect(jsonOf(run)).toMatchObject({ ok: false });
      expect(JSON.stringify(jsonOf(run).error)).toMatch(/rejected the credentials/);
    } finally {
      const changedUrl = native.databaseUrl().replace(encodeURIComponent(native.secrets.password), 'changed-behind-its-back');
      await queryRows(changedUrl, `ALTER USER chainlit PASSWORD '${native.secrets.password}'`);
    }
  });

  it('the S3 server killed: up starts it again and only then says ready, the bucket still there', async () => {
    const pid = native.recordedPids().s3!;
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isRunning(pid));
    const { run, data } = await up();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(data).toMatchObject({ started: true, bucket: { name: 'chainlit-files', created: false, cors: 'present' } });
    expect(native.recordedPids().s3).not.toBe(pid);
  });
});

/** Polls a condition that becomes true on its own (a killed process being reaped). */
async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
