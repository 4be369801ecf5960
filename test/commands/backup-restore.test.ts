import { copyFileSync, createReadStream, createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rowCount, s3ClientOf, seedChatHistory, snapshotChatHistory, type S3Access } from '../helpers/chat-history.js';
import { addLaterMigration, laterMigrationName } from '../helpers/migration-fixtures.js';
import { makeNativeHost, type NativeHost } from '../reliability/native-host.js';
import { startCli } from '../reliability/processes.js';

/**
 * `backup` and `restore` between two native stacks (no Docker needed): what comes back, what is
 * refused, and that a failed or interrupted run changes nothing. The Docker ⇄ native round trips
 * are in test/e2e/history-docker.test.ts.
 */
const s3Of = (host: NativeHost): S3Access => ({ endpoint: `http://127.0.0.1:${host.ports.s3}`, bucket: 'chainlit-files', accessKey: host.secrets.accessKey, secretKey: host.secrets.secretKey });
const snapshot = (host: NativeHost) => snapshotChatHistory(host.databaseUrl(), s3Of(host));
// `.env` says DATALAYER_RUNTIME=native: the machine's PATH is kept whole (where `docker` sits beside `id`).
const env = { PATH: process.env.PATH ?? '' };
const cliOf = (host: NativeHost) => (args: string[]) => runCli(args, { cwd: host.host.dir, env, timeoutMs: 120_000 });

/** Rewrites one entry's bytes inside an archive, keeping its manifest (and so its checksum) as it was. */
async function damageEntry(source: string, target: string, name: string): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(target));
  const reading = pipeline(createReadStream(source), createGunzip(), extract);
  let damaged = false;
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    if (!damaged && entry.header.name === name) {
      data[0] = (data[0] ?? 0) ^ 0xff;
      damaged = true;
    }
    await new Promise<void>((resolve, reject) => pack.entry({ name: entry.header.name, size: data.length }, data, (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await Promise.all([reading, written]);
}

describe('backup and restore between native stacks', () => {
  let source: NativeHost;
  let target: NativeHost;
  let archive: string;

  beforeAll(async () => {
    [source, target] = await Promise.all([makeNativeHost('bksrc', { inProcess: true }), makeNativeHost('bktgt', { inProcess: true })]);
    for (const host of [source, target]) {
      const up = await cliOf(host)(['up']);
      expect(up.exitCode, up.stderr).toBe(0);
    }
    await seedChatHistory(source.databaseUrl(), s3Of(source), { steps: 300, objects: 14, tag: 'native' });
    archive = path.join(source.host.dir, 'history.tar.gz');
  }, 240_000);
  afterAll(async () => {
    for (const host of [source, target]) if (host) await cliOf(host)(['down', '--volumes', '--yes']);
    await Promise.all([source?.cleanup(), target?.cleanup()]);
  });

  it('backup writes one archive; restore into an empty stack brings back every row, the ledger and every object', async () => {
    const backup = await cliOf(source)(['backup', 'history.tar.gz', '--json']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(dataOf(backup)).toMatchObject({ file: 'history.tar.gz', tables: 6, objects: 14, migrations: 2, runtime: 'native' });
    // No secret in the archive's manifest, nor in what the commands print.
    const manifest = readManifest(archive);
    for (const secret of Object.values(source.secrets)) {
      expect(manifest).not.toContain(secret);
      expect(backup.stdout + backup.stderr).not.toContain(secret);
    }
    copyFileSync(archive, path.join(target.host.dir, 'history.tar.gz'));
    const restore = await cliOf(target)(['restore', 'history.tar.gz', '--json']);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(dataOf(restore)).toMatchObject({ tables: 6, objects: 14, replaced: null });
    const [before, after] = await Promise.all([snapshot(source), snapshot(target)]);
    expect(rowCount(after)).toBeGreaterThan(400);
    expect(Object.keys(after.objects)).toHaveLength(14);
    // The ledger comes back as it was: the same ids, checksums and timestamps.
    expect(after).toEqual(before);
  });

  it('a backup refuses to overwrite an existing file (exit 6) unless --overwrite', async () => {
    const again = await cliOf(source)(['backup', 'history.tar.gz']);
    expect(again.exitCode).toBe(6);
    expect(again.stderr).toMatch(/history\.tar\.gz exists; nothing was written/);
    const overwrite = await cliOf(source)(['backup', 'history.tar.gz', '--overwrite', '-q']);
    expect(overwrite.exitCode, overwrite.stderr).toBe(0);
  });

  it('restore into a target that holds data: exit 6 naming what it holds, and nothing changed', async () => {
    const before = await snapshot(target);
    const refused = await cliOf(target)(['restore', 'history.tar.gz', '--json']);
    expect(refused.exitCode).toBe(6);
    expect(jsonOf(refused)).toMatchObject({ ok: false, exitCode: 6 });
    expect(dataOf(refused)).toMatchObject({ objects: 14, rows: { Step: 300 } });
    const withoutYes = await cliOf(target)(['restore', 'history.tar.gz', '--replace']);
    expect(withoutYes.exitCode).toBe(6);
    expect(withoutYes.stderr).toMatch(/without confirmation/);
    expect(await snapshot(target)).toEqual(before);
  });

  it('a damaged last object aborts the restore: the database is rolled back and the objects put back as they were', async () => {
    await target.query(`UPDATE "Thread" SET name = 'changed on the target'`);
    const access = s3Of(target);
    await seedChatHistory(target.databaseUrl(), access, { steps: 2, objects: 1, tag: 'target-only' });
    // One archived key holds other bytes on the target, one is gone from it: the restore overwrites
    // the first and creates the second before it meets the damaged object; both must be undone.
    const keys = Object.keys((await snapshot(source)).objects).sort();
    await s3ClientOf(access).send(new PutObjectCommand({ Bucket: access.bucket, Key: keys[0], Body: 'target version', ContentType: 'text/plain' }));
    await s3ClientOf(access).send(new DeleteObjectCommand({ Bucket: access.bucket, Key: keys[1] }));
    const before = await snapshot(target);
    const objects = (JSON.parse(readManifest(archive)) as { buckets: Array<{ objects: Array<{ file: string }> }> }).buckets[0]!.objects;
    await damageEntry(path.join(target.host.dir, 'history.tar.gz'), path.join(target.host.dir, 'damaged.tar.gz'), objects.at(-1)!.file);
    const failed = await cliOf(target)(['restore', 'damaged.tar.gz', '--replace', '--yes']);
    expect(failed.exitCode, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/does not match its checksum/);
    expect(await snapshot(target)).toEqual(before);
  });

  it('--replace --yes puts the archive in place of what the target held, deleting what only the target had', async () => {
    const replaced = await cliOf(target)(['restore', 'history.tar.gz', '--replace', '--yes', '--json']);
    expect(replaced.exitCode, replaced.stderr).toBe(0);
    expect(dataOf(replaced)).toMatchObject({ deletedObjects: 1 });
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('Ctrl-C while a backup runs: exit 130, no archive and no partial file left', async () => {
    const run = startCli(['backup', 'interrupted.tar.gz'], { cwd: source.host.dir, env });
    await run.waitForStderr(/Reading bucket|Writing the archive/, 60_000);
    run.child.kill('SIGINT');
    const result = await run.result();
    expect(result.exitCode, result.stderr).toBe(130);
    expect(existsSync(path.join(source.host.dir, 'interrupted.tar.gz'))).toBe(false);
    expect(readdirSync(source.host.dir).filter((name) => name.includes('partial'))).toEqual([]);
    expect(existsSync(path.join(source.stateDir, 'tmp'))).toBe(false);
  });

  it('a target whose schema has another migration: exit 3 naming it, nothing changed', async () => {
    await addLaterMigration(target.migrationsDir);
    const migrate = await cliOf(target)(['migrate']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    const before = await snapshot(target);
    const refused = await cliOf(target)(['restore', 'history.tar.gz', '--replace', '--yes']);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain(`the target has applied ${laterMigrationName}, which the archive's database had not`);
    expect(refused.stderr).toMatch(/hint: .*datalayer migrate/);
    expect(await snapshot(target)).toEqual(before);
  });
});

function readManifest(file: string): string {
  const tarBytes = gunzipSync(readFileSync(file));
  // The first entry: a 512-byte header, then the manifest's bytes.
  const size = Number.parseInt(tarBytes.subarray(124, 136).toString('latin1').trim(), 8);
  expect(tarBytes.subarray(0, 13).toString('latin1')).toBe('manifest.json');
  return tarBytes.subarray(512, 512 + size).toString('utf8');
}
