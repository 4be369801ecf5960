#!/usr/bin/env node
// Start-up benchmark: median wall time of `datalayer --version` and `datalayer check` beside
// `node -e 0`, in paired runs (each round runs all three back to back, so machine noise hits
// them alike). Usage: npm run bench [-- --rounds 30]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 25;

const host = mkdtempSync(path.join(os.tmpdir(), 'datalayer-bench-'));
mkdirSync(path.join(host, 'extern', 'chainlit-datalayer', 'prisma', 'migrations'), { recursive: true });
writeFileSync(
  path.join(host, 'extern', 'chainlit-datalayer', 'compose.yaml'),
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
    'POSTGRES_PORT=5432',
    'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
    'BUCKET_NAME=my-bucket',
    'APP_AWS_ACCESS_KEY=random-key',
    'APP_AWS_SECRET_KEY=random-key',
    'APP_AWS_REGION=eu-central-1',
    'LOCALSTACK_PORT=4566',
    'DEV_AWS_ENDPOINT=http://localstack:4566',
    '',
  ].join('\n'),
);

const subjects = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'datalayer --version': [process.execPath, [cli, '--version']],
  'datalayer check': [process.execPath, [cli, 'check', '--quiet']],
};

async function timeOnce([file, args]) {
  const started = process.hrtime.bigint();
  const result = await execa(file, args, { cwd: host, reject: false, env: { CI: 'true' } });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return elapsed;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  const samples = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
  for (const subject of Object.values(subjects)) await timeOnce(subject); // warm the file cache
  for (let round = 0; round < rounds; round++) {
    for (const [name, subject] of Object.entries(subjects)) samples[name].push(await timeOnce(subject));
  }
  const baseline = median(samples['node -e 0']);
  const targets = { 'datalayer --version': 1.2, 'datalayer check': 1.6 };
  console.log(`median wall time over ${rounds} paired rounds`);
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    const ratio = m / baseline;
    const target = targets[name];
    const verdict = target === undefined ? '' : ratio <= target ? `  (target ≤ ${target}x: met)` : `  (target ≤ ${target}x: MISSED)`;
    console.log(`${name.padEnd(22)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${verdict}`);
  }
} finally {
  rmSync(host, { recursive: true, force: true });
}
