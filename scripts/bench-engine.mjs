#!/usr/bin/env node
// `up` and `status` on a real Docker engine, next to the Compose calls they are built from, on the
// same running stack, in the same run: paired rounds (the order alternates), medians.
//   docker compose up -d <services>      vs  datalayer up (warm: everything already running)
//   docker compose ps --format json      vs  datalayer status
// Targets: up ≤ 250 ms and status ≤ 200 ms where `node -e 0` takes about 60 ms, so also read as
// multiples of `node -e 0` timed in the same rounds.
// Runs where an engine answers with the images of `npm run engine`; says why and skips otherwise.
// Usage: npm run bench:engine [-- --rounds 10]
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort, makeBenchHost } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 10;
const images = ['postgres:16', 'localstack/localstack:4.12'];

async function skipReason() {
  const info = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (info.exitCode !== 0) return `no Docker engine answers (${process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'default socket'}); set one up with \`eval "$(npm run --silent engine)"\``;
  const missing = [];
  for (const image of images) if ((await execa('docker', ['image', 'inspect', image], { reject: false })).exitCode !== 0) missing.push(image);
  return missing.length > 0 ? `missing image(s) ${missing.join(', ')}: run \`npm run engine\`` : undefined;
}

async function timed(file, args, options) {
  const started = process.hrtime.bigint();
  const result = await execa(file, args, { reject: false, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${[file, ...args].join(' ')} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const reason = await skipReason();
if (reason) {
  console.log(`engine bench skipped: ${reason}`);
  process.exit(0);
}

const { host, cleanup } = makeBenchHost({ postgresPort: await freePort(), s3Port: await freePort() });
const project = `datalayer-bench-${process.pid}`;
appendFileSync(path.join(host, '.env'), `COMPOSE_PROJECT_NAME=${project}\n`);
const env = { CI: 'true', DATALAYER_RUNTIME: 'docker' };
const compose = ['compose', '-p', project, '-f', path.join(host, 'extern', 'chainlit-datalayer', 'compose.yaml'), '--env-file', path.join(host, '.env')];
const samples = { composeUp: [], up: [], composePs: [], status: [], node: [] };
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
try {
  const cold = await timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env });
  for (let round = 0; round < rounds; round++) {
    const pairs = [
      [() => timed('docker', [...compose, 'up', '-d', 'postgres', 'localstack']), samples.composeUp],
      [() => timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env }), samples.up],
      [() => timed('docker', [...compose, 'ps', '--format', 'json']), samples.composePs],
      [() => timed(process.execPath, [cli, 'status', '--quiet'], { cwd: host, env }), samples.status],
    ];
    // Alternate which of each pair runs first, so that neither always gets the warmer caches.
    for (const [first, second] of [pairs.slice(0, 2), pairs.slice(2)]) {
      const order = round % 2 === 0 ? [first, second] : [second, first];
      for (const [run, into] of order) into.push(await run());
    }
    samples.node.push(await timed(process.execPath, ['-e', '0']));
  }
  const server = (await execa('docker', ['info', '--format', '{{.ServerVersion}}'])).stdout;
  const composeVersion = (await execa('docker', ['compose', 'version', '--short'])).stdout;
  // The targets were set where `node -e 0` takes about 60 ms; on a machine where Node starts slower
  // they are read as that many times `node -e 0`, as the native warm row does.
  const node = median(samples.node);
  const line = (label, ms, base, target) => {
    const ratio = target ? `; ≤ ${(target / 60).toFixed(1)}x node -e 0: ${ms / node <= target / 60 ? 'met' : 'MISSED'} (${(ms / node).toFixed(2)}x)` : '';
    return `${label.padEnd(40)}${ms.toFixed(0).padStart(6)} ms${base ? `  (${(ms / base).toFixed(2)}x, +${(ms - base).toFixed(0)} ms)` : ''}${target ? `  (target ≤ ${target} ms: ${ms <= target ? 'met' : 'MISSED'}${ratio})` : ''}`;
  };
  const composeUp = median(samples.composeUp);
  const composePs = median(samples.composePs);
  console.log(`real engine (Docker ${server}, Compose ${composeVersion}), median of ${rounds} paired rounds on one running stack; load average ${loadBefore} before, ${load()} after`);
  console.log(line('datalayer up, cold (for reference)', cold));
  console.log(line('node -e 0', node));
  console.log(line('docker compose up -d postgres localstack', composeUp));
  console.log(line('datalayer up, warm', median(samples.up), composeUp, 250));
  console.log(line('docker compose ps --format json', composePs));
  console.log(line('datalayer status', median(samples.status), composePs, 200));
} finally {
  await execa(process.execPath, [cli, 'down', '--volumes', '--yes', '--quiet'], { cwd: host, env, reject: false });
  cleanup();
}
