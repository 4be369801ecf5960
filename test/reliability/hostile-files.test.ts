/**
 * Files that are not what they seem: a `.env` or `.gitignore` that is a symbolic link to a device,
 * a FIFO or a file outside the project, a dangling link, a `.datalayer` that is a file or belongs
 * to someone else. datalayer reads only regular files, edits only regular files inside the
 * project, and says so (exit 3 or 6, with a hint) instead of writing through, hanging or crashing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { runCliAsNobody, unprivilegedUserUnavailable } from './cli-process.js';

const hosts: HostFixture[] = [];
const scratch: string[] = [];
afterEach(() => {
  for (const fixture of hosts.splice(0)) fixture.cleanup();
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function host(env?: string): HostFixture {
  const fixture = makeHost(env === undefined ? {} : { env });
  hosts.push(fixture);
  return fixture;
}

/** A directory outside every host. */
function outside(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-outside-'));
  scratch.push(dir);
  return dir;
}

const WRITERS: Array<[string, string[]]> = [
  ['secret --write', ['secret', '--write']],
  ['init --no-submodule', ['init', '--no-submodule']],
  ['disable', ['disable']],
  ['enable', ['enable']],
];

function expectRefusal(run: CliRun, codes: number[], words: RegExp): void {
  expect(codes, `${run.stdout}\n${run.stderr}`).toContain(run.exitCode);
  expect(run.stderr).toMatch(words);
  expect(run.stderr).toMatch(/^hint: /m);
  expect(run.stderr).not.toContain('This is a bug');
}

const notRoot = process.getuid?.() === 0 ? undefined : 'needs root, to make a device node (mknod)';

describe('.env that is a symbolic link to something that is not a regular file of the project', () => {
  it.skipIf(notRoot !== undefined).each(WRITERS)(
    `%s: a link to a character device is refused, the device stays a device${notRoot ? ` — skipped: ${notRoot}` : ''}`,
    async (_label, args) => {
      const fixture = host();
      // A device node of our own (the same device as /dev/null), so that a regression harms nothing else.
      const device = path.join(outside(), 'null-device');
      execFileSync('mknod', [device, 'c', '1', '3']);
      symlinkSync(device, path.join(fixture.dir, '.env'));
      const run = await runCli(args, { cwd: fixture.dir });
      expectRefusal(run, [3, 6], /character device/);
      expect(statSync(device).isCharacterDevice()).toBe(true);
      expect(lstatSync(path.join(fixture.dir, '.env')).isSymbolicLink()).toBe(true);
    },
  );

  it.each(WRITERS)('%s: a link to a FIFO is refused without waiting for a writer', async (_label, args) => {
    const fixture = host();
    const fifo = path.join(fixture.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, path.join(fixture.dir, '.env'));
    const run = await runCli(args, { cwd: fixture.dir, timeoutMs: 30_000 });
    expectRefusal(run, [3, 6], /named pipe \(FIFO\)/);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it.each(WRITERS)('%s: a link to a file outside the project is refused, the file unchanged', async (_label, args) => {
    const fixture = host();
    const elsewhere = path.join(outside(), 'shared.env');
    // Something for each command to change: a disabled key (enable), active keys (disable), an empty secret (init, secret).
    const original = seedEnv()
      .replace(/^(CHAINLIT_DATALAYER_COMPOSE)=/m, '#[disabled by datalayer] $1=')
      .replace(/^CHAINLIT_AUTH_SECRET=.*$/m, 'CHAINLIT_AUTH_SECRET=');
    writeFileSync(elsewhere, original);
    symlinkSync(elsewhere, path.join(fixture.dir, '.env'));
    const run = await runCli(args, { cwd: fixture.dir });
    expectRefusal(run, [6], /outside the project/);
    expect(readFileSync(elsewhere, 'utf8')).toBe(original);
  });

  it('a link to a regular file inside the project is written through (the link stays)', async () => {
    const fixture = host();
    mkdirSync(path.join(fixture.dir, 'config'));
    writeFileSync(path.join(fixture.dir, 'config', 'app.env'), seedEnv());
    symlinkSync(path.join('config', 'app.env'), path.join(fixture.dir, '.env'));
    const run = await runCli(['disable'], { cwd: fixture.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(lstatSync(path.join(fixture.dir, '.env')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(fixture.dir, 'config', 'app.env'), 'utf8')).toMatch(/^#\[disabled by datalayer\] CHAINLIT_DATALAYER_COMPOSE=/m);
  });

  it('init with a dangling .env link: a clear error naming the missing target (exit 3), nothing created', async () => {
    const fixture = host();
    const missing = path.join(outside(), 'not-there.env');
    symlinkSync(missing, path.join(fixture.dir, '.env'));
    const run = await runCli(['init', '--no-submodule'], { cwd: fixture.dir });
    expectRefusal(run, [3], /symbolic link to .*not-there\.env, which does not exist/);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(path.join(fixture.dir, '.gitignore'))).toBe(false);
  });
});

describe('.gitignore that leads outside the project', () => {
  it('init refuses before writing anything: the outside file and .env stay as they were', async () => {
    const fixture = host();
    const elsewhere = path.join(outside(), 'global.gitignore');
    writeFileSync(elsewhere, 'node_modules/\n');
    symlinkSync(elsewhere, path.join(fixture.dir, '.gitignore'));
    const run = await runCli(['init', '--no-submodule'], { cwd: fixture.dir });
    expectRefusal(run, [6], /\.gitignore: it leads to .*global\.gitignore, outside the project/);
    expect(readFileSync(elsewhere, 'utf8')).toBe('node_modules/\n');
    expect(existsSync(path.join(fixture.dir, '.env'))).toBe(false);
  });
});

describe('a FIFO as .env', () => {
  it.each([['check'], ['down'], ['status'], ['up']])('%s says it reads only regular files, and ends', async (command) => {
    const fixture = host();
    execFileSync('mkfifo', [path.join(fixture.dir, '.env')]);
    const run = await runCli([command], { cwd: fixture.dir, timeoutMs: 30_000 });
    expectRefusal(run, [3], /\.env is a named pipe \(FIFO\), not a regular file/);
  });

  it('--env-file naming a FIFO: the same', async () => {
    const fixture = host(seedEnv());
    execFileSync('mkfifo', [path.join(fixture.dir, 'pipe.env')]);
    const run = await runCli(['check', '--env-file', 'pipe.env'], { cwd: fixture.dir, timeoutMs: 30_000 });
    expectRefusal(run, [3], /pipe\.env is a named pipe/);
  });
});

describe('.datalayer that datalayer cannot use', () => {
  it('a file named .datalayer: a clear error (exit 3), the file untouched', async () => {
    const fixture = host(seedEnv());
    writeFileSync(path.join(fixture.dir, '.datalayer'), 'not a directory\n');
    for (const args of [['secret', '--write'], ['disable'], ['down']]) {
      const run = await runCli(args, { cwd: fixture.dir });
      expectRefusal(run, [3], /\.datalayer is not a directory/);
    }
    expect(readFileSync(path.join(fixture.dir, '.datalayer'), 'utf8')).toBe('not a directory\n');
    expect(readFileSync(path.join(fixture.dir, '.env'), 'utf8')).toBe(seedEnv());
  });

  const noUser = unprivilegedUserUnavailable();
  it.skipIf(noUser !== undefined)(
    `a .datalayer of another user that this one cannot write: a clear error with the way to hand it over (exit 4)${noUser ? ` — skipped: ${noUser}` : ''}`,
    async () => {
      const dir = outside();
      chmodSync(dir, 0o777);
      writeFileSync(path.join(dir, '.env'), seedEnv());
      chmodSync(path.join(dir, '.env'), 0o666);
      mkdirSync(path.join(dir, '.datalayer'), { mode: 0o755 });
      const run = await runCliAsNobody(['secret', '--write'], dir);
      expectRefusal(run, [4], /\.datalayer belongs to root: .* user nobody cannot use it/);
      expect(run.stderr).toMatch(/hint: .*chown -R nobody: /);
      expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(seedEnv());
    },
  );
});
