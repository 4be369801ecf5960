/**
 * No secret in any output on the Docker runtime: every command, human with --verbose and --json,
 * on success and on failure (a wrong password, LocalStack stopped), over a real engine and a host
 * whose secrets are unique strings. What datalayer leaves under `.datalayer/` is scanned after, the
 * saved copy of the bucket unpacked. `status -o env` is the one command that prints them, and the
 * proof that this scan sees a leak when there is one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataOf, runCli, type CliRun } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { withValues } from '../helpers/docker-host.js';
import { DATA_LAYER_COMPOSE } from '../helpers/engine-compose.js';
import { describeEngine, docker, projectContainers, removeEngineStack } from '../helpers/engine.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort } from '../helpers/no-docker-env.js';
import { leakScanner } from '../reliability/leak-scan.js';
import { uniqueSecrets, type UniqueSecrets } from '../reliability/native-host.js';

describeEngine('no secret in any output (Docker runtime on a real engine, unique secrets)', () => {
  let host: HostFixture;
  let keys: UniqueSecrets;
  let ports: { postgres: number; s3: number };
  const project = `dl-leaks-${process.pid}`;
  /** Every value that must never be printed: grows when a test writes a new one into `.env`. */
  const secrets = new Set<string>();

  const envPath = () => path.join(host.dir, '.env');
  const readEnv = () => readFileSync(envPath(), 'utf8');
  const writeEnv = (text: string) => writeFileSync(envPath(), text);
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: host.dir, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 300_000 });
  const cliInProcess = (args: string[]): Promise<CliRun> => runInProcess(args, { cwd: host.dir, env: { PATH: process.env.PATH ?? '' } });

  const { runsChecked, leaksIn, expectNoLeak, scan } = leakScanner(secrets, cli, cliInProcess);

  beforeAll(async () => {
    keys = uniqueSecrets('dleak');
    for (const value of Object.values(keys)) secrets.add(value);
    ports = { postgres: await freePort(), s3: await freePort() };
    host = makeHost({
      compose: DATA_LAYER_COMPOSE,
      env: withValues(seedEnv({ secret: keys.authSecret }), {
        COMPOSE_PROJECT_NAME: project,
        DATALAYER_RUNTIME: 'docker',
        POSTGRES_USER: 'chainlit',
        POSTGRES_PASSWORD: keys.password,
        POSTGRES_DB: 'chainlit',
        POSTGRES_PORT: String(ports.postgres),
        DATABASE_URL: 'postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
        BUCKET_NAME: 'chainlit-files',
        APP_AWS_ACCESS_KEY: keys.accessKey,
        APP_AWS_SECRET_KEY: keys.secretKey,
        LOCALSTACK_PORT: String(ports.s3),
        DEV_AWS_ENDPOINT: 'http://localstack:4566',
      }),
    });
    await writeChainlitMigrations(host.submoduleDir);
  });

  afterAll(async () => {
    if (host) await removeEngineStack(host, project, cli);
  }, 300_000);

  it('init, check, up, status, migrate, logs, backup: success paths', async () => {
    await scan(['init', '--no-submodule']);
    await scan(['check']);
    await scan(['up', '--timeout', '240']);
    await scan(['check', '--connect']);
    await scan(['status']);
    await scan(['migrate']);
    await scan(['migrate', '--status']);
    await scan(['logs', '-n', '500']);
    await scan(['backup', 'leaks.tar.gz', '--overwrite']);
    const [status] = await scan(['status']);
    expect(status!.stdout + status!.stderr).toMatch(/postgresql:\/\/chainlit:\*+@/);
  });

  it('status -o env is the one place that prints them (this scan sees a leak when there is one)', async () => {
    const run = await cli(['status', '-o', 'env']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(leaksIn(run.stdout)).toEqual(expect.arrayContaining([keys.password, keys.accessKey, keys.secretKey]));
  });

  it('secret --write, disable, enable while the stack runs: the new secret is stored, never printed', async () => {
    for (const variant of [['--verbose'], ['--json', '--verbose']]) {
      const args = ['secret', '--write', ...variant];
      const run = await cli(args);
      expect(run.exitCode, run.stderr).toBe(0);
      const written = /^CHAINLIT_AUTH_SECRET=(\S+)/m.exec(readEnv())?.[1];
      expect(written && !secrets.has(written)).toBe(true);
      secrets.add(written!);
      expectNoLeak(args, run);
    }
    await scan(['disable']);
    await scan(['status'], [0, 5]);
    await scan(['enable']);
  });

  it('wrong password: up, status, migrate and check --connect fail without printing either password', async () => {
    const original = readEnv();
    const wrong = uniqueSecrets('dwrong').password;
    secrets.add(wrong);
    try {
      writeEnv(withValues(original, { POSTGRES_PASSWORD: wrong }));
      // A refused login is a report saying so (exit 5), not an error (the attachments check reads Postgres too).
      const [, json] = await scan(['status'], 5);
      expect(dataOf(json!)).toMatchObject({ ready: false, postgres: { reachable: false, reason: 'auth' } });
      await scan(['check', '--connect'], 3);
      await scan(['migrate'], 3);
      // Compose recreates postgres with the new value; the data directory keeps the old password.
      await scan(['up', '--timeout', '20'], 3);
    } finally {
      writeEnv(original);
    }
    await scan(['up', '--timeout', '240']);
  });

  it('LocalStack stopped: status and check --connect fail naming S3 without the keys; up brings it back', async () => {
    expect((await docker(['stop', '--time', '2', `${project}-localstack-1`])).exitCode).toBe(0);
    const [human] = await scan(['status'], 5);
    expect(human!.stdout + human!.stderr).toMatch(/localstack|s3/i);
    await scan(['check', '--connect'], [3, 5]);
    await scan(['logs', '-n', '200']);
    await scan(['up', '--timeout', '240']);
  });

  it('down: success path, the containers gone', async () => {
    await scan(['down']);
    expect(await projectContainers(project)).toEqual([]);
  });

  it('nothing datalayer keeps under .datalayer/ holds a secret (the saved bucket unpacked); every command was scanned', () => {
    const stateDir = path.join(host.dir, '.datalayer');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) files.push(full);
      }
    };
    walk(stateDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file);
      const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('latin1') : bytes.toString('utf8');
      expect(leaksIn(text), path.relative(host.dir, file)).toEqual([]);
      expect(statSync(file).mode & 0o077, path.relative(host.dir, file)).toBe(0);
    }
    // The backup holds the database, not the configuration.
    const backup = execFileSync('tar', ['-xzOf', path.join(host.dir, 'leaks.tar.gz')], { maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
    expect(leaksIn(backup)).toEqual([]);
    const commands = new Set(runsChecked.map((args) => args.split(' ')[0]));
    expect([...commands].sort()).toEqual(['backup', 'check', 'disable', 'down', 'enable', 'init', 'logs', 'migrate', 'secret', 'status', 'up']);
  });
});
