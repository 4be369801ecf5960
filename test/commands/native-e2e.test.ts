import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort, pathWithoutDocker } from '../helpers/no-docker-env.js';

/**
 * The README's main job on a machine without Docker: `datalayer up` starts a real PostgreSQL 16
 * and an S3-compatible server, and a Chainlit-shaped write and read goes through both.
 */
describe('native runtime, end to end through the CLI', () => {
  let host: HostFixture;
  let postgresPort: number;
  let s3Port: number;
  const env = { PATH: pathWithoutDocker() };
  const secrets = { password: 'pw-native-7f3a9c', accessKey: 'AKIANATIVE0042', secretKey: 'sk-native-secret-5d1e' };

  const cli = (...args: string[]) => runCli(args, { cwd: host.dir, env, timeoutMs: 120_000 });
  const databaseUrl = () => `postgresql://chainlit:${secrets.password}@localhost:${postgresPort}/chainlit`;
  const s3 = () =>
    new S3Client({
      endpoint: `http://localhost:${s3Port}`,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: secrets.accessKey, secretAccessKey: secrets.secretKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const query = async <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  const postgresPid = () =>
    (JSON.parse(readFileSync(path.join(host.dir, '.datalayer', 'native', 'state.json'), 'utf8')) as {
      services: { postgres: { pid: number } };
    }).services.postgres.pid;

  beforeAll(async () => {
    postgresPort = await freePort();
    s3Port = await freePort();
    const envText = seedEnv()
      .replace('POSTGRES_USER=root', 'POSTGRES_USER=chainlit')
      .replace('POSTGRES_PASSWORD=root', `POSTGRES_PASSWORD=${secrets.password}`)
      .replace('POSTGRES_DB=postgres', 'POSTGRES_DB=chainlit')
      .replace('POSTGRES_PORT=5432', `POSTGRES_PORT=${postgresPort}`)
      .replace(/^DATABASE_URL=.*$/m, 'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}')
      .replace('BUCKET_NAME=my-bucket', 'BUCKET_NAME=chainlit-files')
      .replace('APP_AWS_ACCESS_KEY=random-key', `APP_AWS_ACCESS_KEY=${secrets.accessKey}`)
      .replace('APP_AWS_SECRET_KEY=random-key', `APP_AWS_SECRET_KEY=${secrets.secretKey}`)
      .replace('LOCALSTACK_PORT=4566', `LOCALSTACK_PORT=${s3Port}`)
      .replace(/^DEV_AWS_ENDPOINT=.*$/m, 'DEV_AWS_ENDPOINT=http://localstack:4566');
    host = makeHost({ env: envText });
    await writeChainlitMigrations(host.submoduleDir);
  });

  afterAll(async () => {
    if (host) {
      await cli('down', '--volumes', '--yes');
      if (!process.env.KEEP_HOST) host.cleanup(); else console.log('HOST', host.dir);
    }
  });

  it('up chooses native and returns with Postgres, the schema and the bucket ready', async () => {
    const run = await cli('up', '--json');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(jsonOf(run)).toMatchObject({ ok: true, command: 'up' });
    const doc = dataOf(run);
    expect(doc).toMatchObject({ state: 'local', runtime: 'native', started: true });
    const chainlitMigrations = ['20250103173917_init_data_layer', '20250108095538_add_tags_to_thread'];
    expect(doc.migrations).toEqual({ applied: chainlitMigrations, appliedNow: chainlitMigrations });
    expect(doc.bucket).toMatchObject({ name: 'chainlit-files', created: true });
    expect(doc.runtimeReason).toMatch(/^no Docker/);
    // No compose project runs natively: there are no container-side addresses to give.
    expect(doc.urls).toMatchObject({ container: {} });
    const ledger = await query<{ migration_name: string; finished_at: Date | null }>('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name');
    expect(ledger.map((row) => row.migration_name)).toEqual(['20250103173917_init_data_layer', '20250108095538_add_tags_to_thread']);
    expect(ledger.every((row) => row.finished_at !== null)).toBe(true);
    // Private to us; as root, Postgres runs as its own user and gets through by group only.
    const mode = statSync(path.join(host.dir, '.datalayer')).mode & 0o777;
    expect(mode).toBe(process.getuid?.() === 0 ? 0o710 : 0o700);
  });

  it('stores a thread and an attachment the way Chainlit does, and reads them back', async () => {
    const [user] = await query<{ id: string }>(`INSERT INTO "User" (identifier, metadata) VALUES ($1, $2) RETURNING id`, ['ada@example.com', { role: 'admin' }]);
    const [thread] = await query<{ id: string }>(
      `INSERT INTO "Thread" (name, metadata, "userId", tags) VALUES ($1, $2, $3, $4) RETURNING id`,
      ['First chat', {}, user!.id, ['demo']],
    );
    const [step] = await query<{ id: string }>(
      `INSERT INTO "Step" ("threadId", name, type, input, output, metadata, "startTime", "endTime")
       VALUES ($1, 'user', 'user_message', 'hello', '', '{}', now(), now()) RETURNING id`,
      [thread!.id],
    );
    const objectKey = `${thread!.id}/report.txt`;
    await query(
      `INSERT INTO "Element" ("threadId", "stepId", name, mime, "objectKey", display, metadata) VALUES ($1, $2, 'report.txt', 'text/plain', $3, 'inline', '{}')`,
      [thread!.id, step!.id, objectKey],
    );
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: 'chainlit-files', Key: objectKey, Body: 'attachment body', ContentType: 'text/plain' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'chainlit-files', Key: objectKey }), { expiresIn: 600 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('attachment body');
    const rows = await query<{ name: string; input: string; objectKey: string; tags: string[] }>(
      `SELECT t.name, s.input, e."objectKey", t.tags FROM "Thread" t JOIN "Step" s ON s."threadId" = t.id JOIN "Element" e ON e."stepId" = s.id`,
    );
    expect(rows).toEqual([{ name: 'First chat', input: 'hello', objectKey, tags: ['demo'] }]);
  });

  it('a second up on a running stack starts nothing and applies nothing', async () => {
    const run = await cli('up', '--json');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(dataOf(run)).toMatchObject({ started: false, migrations: { appliedNow: [] } });
  });

  it('status reports ready, and -o env prints the host-side values', async () => {
    const status = await cli('status', '--json');
    expect(status.exitCode, status.stdout).toBe(0);
    expect(dataOf(status)).toMatchObject({ ready: true, runtime: 'native', migrations: { pending: [], failed: [] } });
    const envOut = await cli('status', '-o', 'env');
    expect(envOut.stdout).toContain(`DATABASE_URL=postgresql://chainlit:${secrets.password}@localhost:${postgresPort}/chainlit`);
    expect(envOut.stdout).toContain(`DEV_AWS_ENDPOINT=http://localhost:${s3Port}`);
  });

  it('logs prints the services\' own lines on stdout, each prefixed with its service', async () => {
    const logs = await cli('logs', '-n', '3');
    expect(logs.exitCode, logs.stderr).toBe(0);
    const lines = logs.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('postgres ')).length).toBe(3);
    expect(lines.filter((line) => line.startsWith('s3 ')).length).toBe(3);
  });

  it('down keeps the data: after up again the rows and the object are still there', async () => {
    const down = await cli('down');
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    const stopped = await cli('status', '--json');
    expect(stopped.exitCode).toBe(5);
    const up = await cli('up', '--json');
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect((await query('SELECT 1 FROM "Thread" WHERE name = $1', ['First chat'])).length).toBe(1);
    const body = await (await s3().send(new GetObjectCommand({ Bucket: 'chainlit-files', Key: (await query<{ objectKey: string }>('SELECT "objectKey" FROM "Element"'))[0]!.objectKey }))).Body!.transformToString();
    expect(body).toBe('attachment body');
  });

  it('a Postgres killed with SIGKILL: status exits 5 naming postgres, up brings it back', async () => {
    process.kill(postgresPid(), 'SIGKILL');
    const status = await cli('status', '--json');
    expect(status.exitCode).toBe(5);
    expect((dataOf(status).problems as string[]).join('\n')).toMatch(/postgres/i);
    const up = await cli('up', '--json');
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect((await query('SELECT 1 FROM "Thread"')).length).toBe(1);
  });

  it('down --volumes --yes, then up: an empty, migrated database and an empty bucket', async () => {
    const down = await cli('down', '--volumes', '--yes', '--json');
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down).deleted).toEqual(['.datalayer/native']);
    const up = await cli('up', '--json');
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ migrations: { appliedNow: ['20250103173917_init_data_layer', '20250108095538_add_tags_to_thread'] }, bucket: { created: true } });
    expect(await query('SELECT 1 FROM "Thread"')).toEqual([]);
    const listing = await s3().send(new ListObjectsV2Command({ Bucket: 'chainlit-files' }));
    expect(listing.Contents ?? []).toEqual([]);
  });

  it('never prints the secrets of .env in any of these outputs', async () => {
    for (const args of [['up', '--verbose'], ['status'], ['status', '--json'], ['up', '--json', '--verbose']]) {
      const run = await cli(...args);
      for (const secret of Object.values(secrets)) {
        expect(run.stdout + run.stderr).not.toContain(secret);
      }
    }
    const logs = ['postgres.log', 's3.log'].map((file) => readFileSync(path.join(host.dir, '.datalayer', 'logs', file), 'utf8')).join('\n');
    for (const secret of Object.values(secrets)) expect(logs).not.toContain(secret);
  });
});
