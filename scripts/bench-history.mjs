#!/usr/bin/env node
// backup / restore benchmark on the native runtime (no Docker needed): a Chainlit-shaped history of
// 10,000 rows and 200 attachments (about 6 MB), then `datalayer backup` and `datalayer restore
// --replace --yes` into a second stack, median of N rounds, and the archive's size.
// Usage: npm run bench:history [-- --rounds 3 --rows 10000 --objects 200]
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { freePort, makeBenchHost } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const argument = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = argument('rounds', 3);
const rows = argument('rows', 10_000);
const objects = argument('objects', 200);
const env = { CI: 'true', PATH: process.env.PATH ?? '', DATALAYER_RUNTIME: 'native' };

async function timed(host, args) {
  const started = process.hrtime.bigint();
  const result = await execa(process.execPath, [cli, ...args], { cwd: host, env, reject: false });
  if (result.exitCode !== 0) throw new Error(`datalayer ${args.join(' ')} exited ${result.exitCode}:\n${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Rows as the app writes them: users, threads, nested steps, elements pointing at objects, feedback. */
async function seed(values) {
  const client = new pg.Client({ connectionString: values.DATABASE_URL });
  await client.connect();
  const steps = rows - 20 - 200 - objects - 500;
  await client.query(`INSERT INTO "User" (identifier, metadata) SELECT 'user' || i || '@example.com', jsonb_build_object('i', i) FROM generate_series(1, 20) i`);
  await client.query(`INSERT INTO "Thread" (name, metadata, "userId", tags)
    SELECT 'Thread ' || i, '{}', (SELECT id FROM "User" ORDER BY identifier OFFSET i % 20 LIMIT 1), ARRAY['t' || i] FROM generate_series(1, 200) i`);
  await client.query(`INSERT INTO "Step" ("threadId", name, type, input, output, metadata, "startTime", "endTime")
    SELECT (SELECT id FROM "Thread" ORDER BY name OFFSET i % 200 LIMIT 1), 'step', 'user_message', repeat('question ' || i || ' ', 20), repeat('answer ', 40), jsonb_build_object('n', i), now(), now()
      FROM generate_series(1, ${steps}) i`);
  await client.query(`INSERT INTO "Element" ("threadId", "stepId", name, mime, "objectKey", metadata)
    SELECT s."threadId", s.id, 'file ' || n, 'application/pdf', s."threadId" || '/file-' || n || '.pdf', '{}'
      FROM (SELECT id, "threadId", row_number() OVER (ORDER BY id) AS n FROM "Step" LIMIT ${objects}) s`);
  await client.query(`INSERT INTO "Feedback" ("stepId", name, value) SELECT id, 'rating', random() FROM "Step" LIMIT 500`);
  const keys = (await client.query(`SELECT "objectKey" AS key FROM "Element" ORDER BY "objectKey"`)).rows.map((row) => row.key);
  await client.end();
  const s3 = new S3Client({ endpoint: values.DEV_AWS_ENDPOINT, region: values.APP_AWS_REGION, forcePathStyle: true, credentials: { accessKeyId: values.APP_AWS_ACCESS_KEY, secretAccessKey: values.APP_AWS_SECRET_KEY } });
  let bytes = 0;
  for (const [i, key] of keys.entries()) {
    const body = randomBytes(1_000 + ((i * 997) % 60_000));
    bytes += body.length;
    await s3.send(new PutObjectCommand({ Bucket: values.BUCKET_NAME, Key: key, Body: body, ContentType: 'application/pdf', Metadata: { index: String(i) } }));
  }
  return bytes;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const [source, target] = [
  makeBenchHost({ postgresPort: await freePort(), s3Port: await freePort() }),
  makeBenchHost({ postgresPort: await freePort(), s3Port: await freePort() }),
];
try {
  for (const stack of [source, target]) await timed(stack.host, ['up', '-q']);
  // `status -o env` prints KEY=value lines, single-quoted when a value needs it.
  const lines = (await execa(process.execPath, [cli, 'status', '-o', 'env'], { cwd: source.host, env })).stdout.split('\n');
  const values = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1').replace(/'\\''/g, "'")]));
  const objectBytes = await seed(values);
  const archive = path.join(source.host, 'bench.tar.gz');
  const samples = { backup: [], restore: [] };
  for (let round = 0; round < rounds; round++) {
    samples.backup.push(await timed(source.host, ['backup', archive, '--overwrite', '-q']));
    samples.restore.push(await timed(target.host, ['restore', archive, '--replace', '--yes', '-q']));
  }
  const size = statSync(archive).size;
  console.log(`history: ${rows} rows, ${objects} objects (${(objectBytes / 1e6).toFixed(1)} MB); median of ${rounds}`);
  console.log(`  backup              ${(median(samples.backup) / 1000).toFixed(2)} s   (${samples.backup.map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
  console.log(`  restore --replace   ${(median(samples.restore) / 1000).toFixed(2)} s   (${samples.restore.map((ms) => (ms / 1000).toFixed(2)).join(', ')})`);
  console.log(`  archive             ${(size / 1e6).toFixed(2)} MB`);
} finally {
  for (const stack of [source, target]) {
    await execa(process.execPath, [cli, 'down', '--volumes', '--yes', '-q'], { cwd: stack.host, env, reject: false });
    stack.cleanup();
  }
}
