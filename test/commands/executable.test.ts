/**
 * The executable as npm links it: Node must not act on datalayer's own `--env-file PATH`
 * (Node 20 reads it from anywhere in its argv unless `--` ends its options), whether the bin file
 * is run directly or through `npx` / `npm exec` in a project that installed the packed package.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, repoRoot, type CliRun } from '../helpers/cli.js';

let scratch: string;
let marker: string;
let hostileEnv: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-executable-'));
  marker = path.join(scratch, 'node-options-ran');
  const script = path.join(scratch, 'hostile.cjs');
  writeFileSync(script, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  hostileEnv = path.join(scratch, 'hostile.env');
  writeFileSync(hostileEnv, `NODE_OPTIONS=--require ${script}\nCHAINLIT_AUTH_SECRET=${'s'.repeat(40)}\n`);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let hosts = 0;
/** A host directory with no .env, for one run, under `parent`. */
function freshHost(parent: string): string {
  hosts += 1;
  const dir = path.join(parent, `host-${hosts}`);
  mkdirSync(dir);
  return dir;
}

interface Runner {
  /** Where the hosts go (for npx: inside the project that installed datalayer). */
  parent: () => string;
  run: (args: string[], cwd: string) => Promise<CliRun>;
}

async function run(file: string, args: string[], cwd: string): Promise<CliRun> {
  const result = await execa(file, args, {
    cwd,
    // `env -S node` finds node on PATH, as it would for a user.
    env: { CI: 'true', PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` },
    reject: false,
    stdin: 'ignore',
    // Bounds a run that hangs (Node reading /dev/urandom as its env file) so that it fails as a result.
    timeout: 30_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The three reports of the issue, through one way of starting datalayer. */
function nodeDoesNotActOnEnvFile(runner: Runner): void {
  it('a NODE_OPTIONS=--require line in the --env-file is not executed', async () => {
    rmSync(marker, { force: true });
    const result = await runner.run(['--env-file', hostileEnv, 'check', '--json'], freshHost(runner.parent()));
    expect(existsSync(marker), result.stderr).toBe(false);
    expect(JSON.parse(result.stdout)).toMatchObject({ command: 'check' });
  });

  it('--env-file naming a file that does not exist yet: init creates it (Node does not exit 9)', async () => {
    const host = freshHost(runner.parent());
    const result = await runner.run(['--env-file', 'new.env', 'init', '--no-submodule'], host);
    expect(result.stderr).not.toMatch(/node: new\.env: not found/);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(path.join(host, 'new.env'), 'utf8')).toMatch(/^CHAINLIT_AUTH_SECRET=/m);
  });

  it('--env-file /dev/urandom ends with a clear error instead of hanging', async () => {
    const result = await runner.run(['--env-file', '/dev/urandom', 'check'], freshHost(runner.parent()));
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toContain('/dev/urandom');
  });
}

describe('the bin file run directly (its shebang)', () => {
  nodeDoesNotActOnEnvFile({ parent: () => scratch, run: (args, cwd) => run(cliEntry, args, cwd) });
});

describe('npx and npm exec in a project that installed the packed package', () => {
  let project: string;

  beforeAll(async () => {
    project = path.join(scratch, 'app');
    mkdirSync(project);
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repoRoot });
    const tarball = path.join(scratch, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
    writeInstallablePackage(project, tarball);
    // Offline, from the lock file: the dependencies come from npm's cache, filled by the repository's own `npm ci`.
    await execa('npm', ['ci', '--offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project });
  }, 180_000);

  // npx is itself a Node program: without the `--`, Node 20 acts on `--env-file` in npx's own
  // argv before datalayer starts. The README gives this form.
  describe('npx -- datalayer', () => {
    nodeDoesNotActOnEnvFile({ parent: () => project, run: (args, cwd) => run('npx', ['--offline', '--', 'datalayer', ...args], cwd) });
  });

  describe('npm exec -- datalayer', () => {
    nodeDoesNotActOnEnvFile({ parent: () => project, run: (args, cwd) => run('npm', ['exec', '--offline', '--', 'datalayer', ...args], cwd) });
  });

  it('npm linked the bin file itself (a symlink to bin/datalayer.js, not a wrapper)', () => {
    const link = path.join(project, 'node_modules', '.bin', 'datalayer');
    expect(readFileSync(link, 'utf8')).toBe(readFileSync(cliEntry, 'utf8'));
  });
});

/**
 * package.json and a lock file for a project depending on the tarball: the repository's own lock
 * entries for the production dependencies, so that `npm ci --offline` needs nothing from the network.
 */
function writeInstallablePackage(project: string, tarball: string): void {
  const own = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: { datalayer: spec } } };
  for (const [key, entry] of Object.entries(lock.packages)) if (key !== '' && entry.dev !== true) packages[key] = entry;
  packages['node_modules/datalayer'] = {
    version: own.version,
    resolved: spec,
    dependencies: own.dependencies,
    bin: own.bin,
    engines: own.engines,
  };
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { datalayer: spec } }));
  writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}
