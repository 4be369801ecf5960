import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliRun } from '../helpers/cli.js';
import { withValues } from '../helpers/docker-host.js';
import { makeHost, seedEnv } from '../helpers/host-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { leakScanner } from './leak-scan.js';
import { makeNativeHost, uniqueSecrets, type NativeHost } from './native-host.js';

/**
 * Every command, in human form with --verbose and in --json form, on success and on failure,
 * over a host whose secrets are unique strings: none of them may appear in stdout, stderr or the
 * logs under `.datalayer/logs`. `status -o env` is the one command that prints them (and is the
 * proof that this scan would see a leak); `secret` without --write prints a new secret by design.
 */
let native: NativeHost;
/** Every value that must never be printed: grows when a test writes a new one into `.env`. */
const secrets = new Set<string>();
const { runsChecked, leaksIn, expectNoLeak, scan } = leakScanner(
  secrets,
  (args) => native.cli(args),
  (args) => runInProcess(args, { cwd: native.host.dir, env: native.env }),
);

function readEnvFile(): string {
  return readFileSync(path.join(native.host.dir, '.env'), 'utf8');
}

function writeEnvFile(text: string): void {
  writeFileSync(path.join(native.host.dir, '.env'), text);
}

beforeAll(async () => {
  native = await makeNativeHost('leak');
  for (const value of Object.values(native.secrets)) secrets.add(value);
});
afterAll(async () => {
  await native?.cleanup();
});

// Each test is a sequence of up to twenty CLI runs on one stack: minutes on a loaded machine.
// A test cut off by the limit would keep running beside the next one and rewrite its .env.
describe('no secret in any output (native runtime, unique secrets)', { timeout: 300_000 }, () => {
  it('init --no-submodule, check, up, status, migrate, migrate --status, logs: success paths', async () => {
    await scan(['init', '--no-submodule']);
    await scan(['check']);
    await scan(['up']);
    await scan(['status']);
    await scan(['migrate']);
    await scan(['migrate', '--status']);
    await scan(['logs', '-n', '200']);
    // The password inside DATABASE_URL is masked where the URL is shown.
    const [status] = await scan(['status']);
    expect(status!.stdout + status!.stderr).toMatch(/postgresql:\/\/chainlit:\*+@/);
  });

  it('status -o env is the one place that prints them (this scan sees a leak when there is one)', async () => {
    const run = await native.cli(['status', '-o', 'env']);
    expect(run.exitCode).toBe(0);
    expect(leaksIn(run.stdout)).toEqual(expect.arrayContaining([native.secrets.password, native.secrets.accessKey, native.secrets.secretKey]));
  });

  it('secret --write, disable, enable: the new secret is stored, never printed', async () => {
    for (const variant of [['--verbose'], ['--json', '--verbose']]) {
      const args = ['secret', '--write', ...variant];
      const run = await native.cli(args);
      expect(run.exitCode, run.stderr).toBe(0);
      const written = /^CHAINLIT_AUTH_SECRET=(\S+)/m.exec(readEnvFile())?.[1];
      expect(written && !secrets.has(written)).toBe(true);
      secrets.add(written!);
      expectNoLeak(args, run);
    }
    await scan(['disable']);
    expect(readEnvFile()).toMatch(/^#\[disabled by datalayer\] CHAINLIT_DATALAYER_COMPOSE=/m);
    await scan(['enable']);
    expect(readEnvFile()).toMatch(/^CHAINLIT_DATALAYER_COMPOSE=/m);
  });

  it('secret without --write prints a new secret (by design), none of the stored ones', async () => {
    const run = await native.cli(['secret']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThanOrEqual(32);
    expectNoLeak(['secret'], run);
  });

  it('wrong password: up, status, migrate and check --connect fail without printing either password', async () => {
    const original = readEnvFile();
    const wrong = uniqueSecrets('wrong').password;
    secrets.add(wrong);
    try {
      writeEnvFile(withValues(original, { POSTGRES_PASSWORD: wrong }));
      await scan(['up', '--timeout', '5'], 3);
      await scan(['status'], 5);
      await scan(['migrate'], 3);
      await scan(['check', '--connect'], 3);
      writeEnvFile(original);
      const url = `postgresql://chainlit:${encodeURIComponent(wrong)}@127.0.0.1:${native.ports.postgres}/chainlit`;
      await scan(['migrate', '--database-url', url], 3);
    } finally {
      writeEnvFile(original);
    }
  });

  it('a password in DATABASE_URL\'s query string or in keyword form: status, up, check --connect, migrate never print it', async () => {
    const original = readEnvFile();
    const inQuery = uniqueSecrets('query').password;
    const inSslQuery = uniqueSecrets('sslquery').password;
    const inKeywords = uniqueSecrets('keywords').password;
    for (const value of [inQuery, inSslQuery, inKeywords]) secrets.add(value);
    const query = `postgresql://chainlit:\${POSTGRES_PASSWORD}@postgres:5432/chainlit?sslmode=disable&password=${inQuery}&sslpassword=${inSslQuery}`;
    const keywords = `host=127.0.0.1 port=${native.ports.postgres} dbname=chainlit user=chainlit password=${inKeywords}`;
    try {
      // pg takes `password` from the query over the URL's own: the login is refused.
      writeEnvFile(withValues(original, { DATABASE_URL: query }));
      const [status] = await scan(['status'], 5);
      expect(status!.stdout).toMatch(/password=\*+&sslpassword=\*+/);
      await scan(['up', '--timeout', '5'], 3);
      await scan(['check', '--connect'], 3);
      await scan(['migrate'], 3);
      await scan(['migrate', '--status'], 3);
      // Keyword/value form: not a URL, so check refuses it, and says so without the value.
      writeEnvFile(withValues(original, { DATABASE_URL: keywords }));
      await scan(['status'], [0, 3, 5]);
      await scan(['up', '--timeout', '5'], 3);
      await scan(['check', '--connect'], 3);
      writeEnvFile(original);
      // As an option it is a usage error (exit 2), refused before anything connects.
      const [option] = await scan(['migrate', '--database-url', keywords], 2);
      expect(option!.stderr).toMatch(/--database-url is not a URL/);
      await scan(['migrate', '--status', '--database-url', `${native.databaseUrl()}?password=${inQuery}`], [0, 3]);
    } finally {
      writeEnvFile(original);
    }
    // 22 runs of the CLI, several waiting for a refused login: minutes on a loaded machine.
  }, 300_000);

  it('bad configuration: DATABASE_URL disagreeing with POSTGRES_PASSWORD is reported without either value', async () => {
    const original = readEnvFile();
    const other = uniqueSecrets('other').password;
    secrets.add(other);
    try {
      writeEnvFile(withValues(original, { DATABASE_URL: `postgresql://chainlit:${other}@postgres:5432/chainlit` }));
      const [human] = await scan(['check'], 3);
      expect(human!.stdout + human!.stderr).toMatch(/DATABASE_URL/);
      await scan(['up'], 3);
      await scan(['migrate'], 3);
    } finally {
      writeEnvFile(original);
    }
  });

  it('S3 down: status and check --connect fail naming S3 without the keys; up brings it back', async () => {
    process.kill(native.recordedPids().s3!, 'SIGKILL');
    const [human] = await scan(['status'], 5);
    expect(human!.stdout + human!.stderr).toMatch(/s3/i);
    await scan(['check', '--connect'], [3, 5]);
    await scan(['up']);
  });

  it('down: success path', async () => {
    await scan(['down']);
  });

  it('nothing under .datalayer/logs holds a secret; every command above was scanned', () => {
    const logsDir = path.join(native.stateDir, 'logs');
    const files = readdirSync(logsDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(leaksIn(readFileSync(path.join(logsDir, file), 'utf8')), file).toEqual([]);
    }
    const commands = new Set(runsChecked.map((args) => args.split(' ')[0]));
    expect([...commands].sort()).toEqual(['check', 'disable', 'down', 'enable', 'init', 'logs', 'migrate', 'secret', 'status', 'up']);
  });
});

describe('file modes', () => {
  it('a new .env is 0600; .datalayer/ is private (0700, or 0710 group postgres as root for the native server)', async () => {
    const fresh = makeHost({});
    try {
      const example = withValues(seedEnv(), { POSTGRES_PASSWORD: uniqueSecrets('example').password });
      writeFileSync(path.join(fresh.dir, '.env.example'), example);
      const init = await runCli(['init', '--no-submodule'], { cwd: fresh.dir });
      expect(init.exitCode, init.stderr).toBe(0);
      expect(statSync(path.join(fresh.dir, '.env')).mode & 0o777).toBe(0o600);
      // Nothing left behind by the lock in a host that had no state directory, or a private one.
      const state = path.join(fresh.dir, '.datalayer');
      if (existsSync(state)) expect(statSync(state).mode & 0o777).toBe(0o700);
    } finally {
      fresh.cleanup();
    }
    const mode = statSync(native.stateDir).mode & 0o777;
    expect(mode).toBe(process.getuid?.() === 0 ? 0o710 : 0o700);
    for (const file of readdirSync(path.join(native.stateDir, 'logs'))) {
      expect(statSync(path.join(native.stateDir, 'logs', file)).mode & 0o077, file).toBe(0);
    }
  });
});
