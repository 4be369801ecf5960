#!/usr/bin/env node
// Start-up benchmark: median wall time of `datalayer --version` and `datalayer check` beside
// `node -e 0`, in paired runs (each round runs them all back to back, so machine noise hits them
// alike). `check` runs twice: in a host where datalayer never started a stack, and in the demo
// host as `npm run demo` leaves it (a native `up` then `down` ran there first: .datalayer/ keeps
// what they learned, the parsed compose file among it). Usage: npm run bench [-- --rounds 30]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort, makeBenchHost } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 25;

const fresh = makeBenchHost({ postgresPort: 5432, s3Port: 4566 });
const used = makeBenchHost({ postgresPort: await freePort(), s3Port: await freePort() });
const nativeEnv = { CI: 'true', DATALAYER_RUNTIME: 'native' };
for (const command of ['up', 'down']) {
  const result = await execa(process.execPath, [cli, command, '--quiet'], { cwd: used.host, env: nativeEnv, reject: false });
  if (result.exitCode !== 0) throw new Error(`datalayer ${command} exited ${result.exitCode}: ${result.stderr}`);
}

const subjects = {
  'node -e 0': [process.execPath, ['-e', '0'], fresh.host],
  'datalayer --version': [process.execPath, [cli, '--version'], fresh.host],
  'datalayer check': [process.execPath, [cli, 'check', '--quiet'], fresh.host],
  'check, demo host': [process.execPath, [cli, 'check', '--quiet'], used.host],
};

async function timeOnce([file, args, cwd]) {
  const started = process.hrtime.bigint();
  const result = await execa(file, args, { cwd, reject: false, env: { CI: 'true' } });
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
  const targets = { 'datalayer --version': 1.2, 'datalayer check': 1.4, 'check, demo host': 1.4 };
  console.log(`median wall time over ${rounds} paired rounds; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    const ratio = m / baseline;
    const target = targets[name];
    const verdict = target === undefined ? '' : ratio <= target ? `  (target ≤ ${target}x: met)` : `  (target ≤ ${target}x: MISSED)`;
    console.log(`${name.padEnd(22)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${verdict}`);
  }
} finally {
  fresh.cleanup();
  used.cleanup();
}
