#!/usr/bin/env node
// Start-up of the native S3 server, on the critical path of a cold `up`: milliseconds from spawning
// `node dist/s3-server-main.js` to its first HTTP answer (any status), median of N rounds.
// As root the server must be given an unprivileged user, as the native runtime does: --user UID:GID.
// Usage: node scripts/bench-s3-start.mjs [--rounds 15] [--script path/to/s3-server-main.js] [--user 65534:65534]
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const option = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const rounds = Number(option('--rounds', '15'));
const script = path.resolve(option('--script', path.join(root, 'dist', 's3-server-main.js')));
const user = option('--user', undefined)?.split(':').map(Number);

async function firstAnswer(port, deadline, child) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the S3 server exited with ${child.exitCode} before answering`);
    // node:http rather than fetch: loading fetch's client would be timed as the server's start.
    const answered = await new Promise((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/' }, (response) => {
        response.resume();
        resolve(true);
      });
      request.once('error', () => resolve(false));
    });
    if (answered) return;
    await delay(2);
  }
  throw new Error('the S3 server did not answer within 30 s');
}

const samples = [];
for (let round = 0; round < rounds; round++) {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'datalayer-bench-s3-'));
  const port = await freePort();
  const dataDirectory = path.join(directory, 's3');
  const userArguments = user ? ['--uid', String(user[0]), '--gid', String(user[1])] : [];
  if (user) {
    chmodSync(directory, 0o755);
    mkdirSync(dataDirectory);
    chownSync(dataDirectory, user[0], user[1]);
  }
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [script, '--port', String(port), '--address', '127.0.0.1', '--directory', dataDirectory, ...userArguments], {
    env: { ...process.env, DATALAYER_S3_ACCESS_KEY_ID: 'bench-key', DATALAYER_S3_SECRET_ACCESS_KEY: 'bench-secret' },
    stdio: 'ignore',
  });
  try {
    await firstAnswer(port, Date.now() + 30_000, child);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(directory, { recursive: true, force: true });
  }
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)];
process.stdout.write(`S3 server start to first answer: median ${median.toFixed(0)} ms (min ${samples[0].toFixed(0)}, max ${samples.at(-1).toFixed(0)}, ${rounds} rounds) ${path.relative(root, script)}\n`);
