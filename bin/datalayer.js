#!/usr/bin/env -S node --
// Entry point: the one place that exits. `--version` is answered without loading the CLI.
//
// The `--` in the line above ends Node's own options: Node 20 otherwise acts on datalayer's
// `--env-file PATH` itself (nodejs/node#54232), loading that file's NODE_OPTIONS (a `--require`
// runs code) and exiting 9 when the file does not exist yet. By hand: `node -- bin/datalayer.js`.
//
// CommonJS, as dist/ is (bin/package.json, dist/package.json): Node then starts without its ESM
// loader (scripts/build.mjs says why).
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

const argv = process.argv.slice(2);

// A reader that stops early (`datalayer --help | head -1`) closes the pipe: what is left to print
// has nobody to read it. That is how pipes end, not a crash; main() stops a command it interrupts.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error?.code !== 'EPIPE') throw error;
  });
}
const version = () => JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${version()}\n`);
} else {
  // Node's own warnings (deprecations, experimental features, listener counts) speak to whoever
  // develops datalayer, not to its users: they show only with --verbose.
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (verbose) process.stderr.write(`node: ${warning.name}: ${warning.message}\n`);
  });
  // Node 22.1+ keeps compiled code between runs; older versions do without (and are spared loading
  // node:module, which compiles Node's ESM loader).
  if (Number(process.versions.node.split('.')[0]) >= 22) require('node:module').enableCompileCache?.();
  const { main } = require('../dist/main.js');
  run(main);
}

async function run(main) {
  const code = await main({
    argv,
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    // Asked of the descriptor, and only when stderr, where a prompt goes, is a terminal (node:tty is
    // loaded then): process.stdin would build a stream over a file or pipe that is never read.
    stdinIsTTY: process.stderr.isTTY === true && require('node:tty').isatty(0),
    version: version(),
    scriptPath: process.argv[1],
  }).catch((error) => {
    process.stderr.write(`datalayer: unexpected error: ${error?.stack ?? error}\n`);
    process.stderr.write('This is a bug in datalayer. Please report it with the command you ran.\n');
    return 1;
  });
  // Exit now (an idle database pool or timer must not keep a finished command waiting), but only
  // once stdout and stderr have flushed: a large --json document into a pipe would be cut short.
  const flushed = (stream) => new Promise((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
