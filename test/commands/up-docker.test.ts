import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { GetBucketCorsCommand, S3Client as AwsSdkS3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { createDatabase, databaseUrl, makeDockerHost, queryDatabase, type DockerHost, type DockerHostOptions } from '../helpers/docker-host.js';
import { chainlitMigrationNames, writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { emulateComposeStack, type EmulatedStack } from '../helpers/published-ports.js';
import { startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';
import { startCli } from '../reliability/processes.js';

const DOCKER = { DATALAYER_RUNTIME: 'docker' };
let postgres: RealPostgres;
let s3: RealS3;
const hosts: DockerHost[] = [];
const stacks: EmulatedStack[] = [];
const blockers: Server[] = [];

beforeAll(async () => {
  [postgres, s3] = await Promise.all([
    startRealPostgres({ user: 'root', password: 'root', database: 'postgres' }),
    startRealS3({ accessKey: 'random-key', secretKey: 'random-key' }),
  ]);
});
afterAll(async () => {
  await Promise.all([postgres?.stop(), s3?.stop()]);
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
  await Promise.all(blockers.splice(0).map((server) => new Promise((done) => server.close(done))));
  for (const fixture of hosts.splice(0)) fixture.host.cleanup();
});

/** `.env` says DATALAYER_RUNTIME=docker unless `shellRuntime` leaves the choice to the shell. */
async function dockerHost(options: DockerHostOptions & { shellRuntime?: boolean } = {}): Promise<DockerHost> {
  const values = options.shellRuntime ? options.values : { ...DOCKER, ...options.values };
  const fixture = await makeDockerHost({ ...options, ...(values ? { values } : {}) });
  hosts.push(fixture);
  await writeChainlitMigrations(fixture.host.submoduleDir);
  return fixture;
}

/** The fake publishes the ports on `compose up`; `real` wires them to the real Postgres and S3. */
function stackFor(fixture: DockerHost, real: boolean): EmulatedStack {
  const stack = emulateComposeStack({
    docker: fixture.docker,
    postgres: { published: fixture.ports.postgres, ...(real ? { backendPort: postgres.port } : {}) },
    localstack: { published: fixture.ports.localstack, ...(real ? { s3Port: s3.port } : {}) },
  });
  stacks.push(stack);
  return stack;
}

/** A host wired to the real servers, with a database of its own. */
async function realStack(options: DockerHostOptions = {}): Promise<{ fixture: DockerHost; stack: EmulatedStack }> {
  const fixture = await dockerHost(options);
  await createDatabase(postgres.url, fixture.database);
  return { fixture, stack: stackFor(fixture, true) };
}

const cli = (fixture: DockerHost, args: string[]) => runCli(args, { cwd: fixture.host.dir, env: fixture.env });

describe('datalayer up on Docker Compose: the compose argv', () => {
  it('auto picks docker when the daemon answers; project "My Host" → myhost, absolute -f and --env-file, then `up -d` of the data layer\'s services', async () => {
    const fixture = await dockerHost({ name: 'My Host', values: { DATALAYER_RUNTIME: 'auto' } });
    const stack = stackFor(fixture, false);
    const run = await cli(fixture, ['up', '--no-wait']);
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/Runtime: docker \(Docker answers \(server 27\.3\.1\)\)/);
    expect(JSON.parse(readFileSync(path.join(fixture.stateDir, 'runtime.json'), 'utf8'))).toMatchObject({ runtime: 'docker', project: 'myhost' });
    const composeFile = path.join(fixture.host.submoduleDir, 'compose.yaml');
    const envFile = path.join(fixture.host.dir, '.env');
    expect(path.isAbsolute(composeFile) && path.isAbsolute(envFile)).toBe(true);
    // Not the build-only data-layer service: only what plays Postgres and S3.
    expect(stack.composeCalls('up')).toEqual([['docker', 'compose', '-p', 'myhost', '-f', composeFile, '--env-file', envFile, 'up', '-d', 'postgres', 'localstack']]);
    expect(run.stdout).toContain('Not started: data-layer (not needed by the data layer). Start it with `datalayer up --with data-layer`.');
    // Every compose call addresses the same project, file and env file.
    const composeCalls = fixture.docker.calls().filter((call) => call[1] === 'compose' && call[2] === '-p');
    expect(composeCalls.length).toBeGreaterThan(1);
    for (const argv of composeCalls) {
      expect(argv.slice(0, 8)).toEqual(['docker', 'compose', '-p', 'myhost', '-f', composeFile, '--env-file', envFile]);
    }
  });

  it('uses COMPOSE_PROJECT_NAME from .env as the project', async () => {
    const fixture = await dockerHost({ name: 'My Host', values: { COMPOSE_PROJECT_NAME: 'foo' } });
    const stack = stackFor(fixture, false);
    const run = await cli(fixture, ['up', '--no-wait']);
    expect(run.exitCode).toBe(0);
    const [up] = stack.composeCalls('up');
    expect(up?.slice(2, 4)).toEqual(['-p', 'foo']);
    expect(up?.slice(-4)).toEqual(['up', '-d', 'postgres', 'localstack']);
  });
});

describe('datalayer up against a real Postgres and S3 behind the published ports', () => {
  it('applies the schema, creates the bucket with CORS, prints host and container URLs; a second up applies nothing', async () => {
    const { fixture, stack } = await realStack();
    const first = await cli(fixture, ['up', '--timeout', '30']);
    expect(first.stderr).not.toMatch(/^error:/m);
    expect(first.exitCode).toBe(0);
    // No third-party noise (the AWS SDK's Node-version warning and the like).
    expect(first.stderr).not.toMatch(/NodeDeprecation|AWS SDK|ExperimentalWarning/);
    const { postgres: pgPort, localstack: lsPort } = fixture.ports;
    expect(first.stdout).toContain(`DATABASE_URL=postgresql://root:`);
    expect(first.stdout).toContain(`@localhost:${pgPort}/${fixture.database}`);
    expect(first.stdout).toContain(`DEV_AWS_ENDPOINT=http://localhost:${lsPort}`);
    expect(first.stdout).toContain(`@postgres:5432/${fixture.database}`);
    expect(first.stdout).toContain('DEV_AWS_ENDPOINT=http://localstack:4566');
    expect(first.stdout).not.toContain('root:root@');

    const url = databaseUrl(postgres.url, fixture.database);
    const rows = await queryDatabase<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      url,
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual([...chainlitMigrationNames]);
    for (const row of rows) {
      const sql = readFileSync(path.join(fixture.host.submoduleDir, 'prisma', 'migrations', row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
    }
    const sdk = new AwsSdkS3Client({
      endpoint: s3.endpoint,
      region: 'eu-central-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'random-key', secretAccessKey: 'random-key' },
    });
    const cors = await sdk.send(new GetBucketCorsCommand({ Bucket: fixture.bucket }));
    sdk.destroy();
    expect(cors.CORSRules?.[0]).toMatchObject({ AllowedOrigins: ['*'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] });
    expect([...(cors.CORSRules?.[0]?.AllowedMethods ?? [])].sort()).toEqual(['GET', 'POST', 'PUT']);

    const second = await cli(fixture, ['up', '--json']);
    expect(second.exitCode).toBe(0);
    expect(jsonOf(second)).toMatchObject({ ok: true, command: 'up', exitCode: 0 });
    const doc = dataOf(second);
    expect(doc).toMatchObject({ state: 'local', runtime: 'docker', started: false });
    expect(doc.migrations).toEqual({ applied: [...chainlitMigrationNames], appliedNow: [] });
    expect(doc.bucket).toMatchObject({ name: fixture.bucket, created: false });
    const urls = doc.urls as { host: Record<string, string>; container: Record<string, string> };
    expect(urls.host.DEV_AWS_ENDPOINT).toBe(`http://localhost:${lsPort}`);
    expect(urls.container.DEV_AWS_ENDPOINT).toBe('http://localstack:4566');
    // The stack was already up: no second `compose up`.
    expect(stack.composeCalls('up')).toHaveLength(1);
  });

  it('two `up` at once in one host: one compose `up`, the other waits for the lock and finds the stack up', async () => {
    const { fixture, stack } = await realStack();
    const [a, b] = await Promise.all([cli(fixture, ['up', '--timeout', '30']), cli(fixture, ['up', '--timeout', '30'])]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(stack.composeCalls('up')).toHaveLength(1);
    // One ran the start sequence; the other found the stack up, having waited for the lock unless
    // the first one had already finished by the time it asked (possible on a busy machine).
    const second = [a, b].filter((run) => /Services already running/.test(run.stderr));
    expect(second).toHaveLength(1);
    const waited = [a, b].filter((run) => /Waiting for another datalayer \(pid \d+, up\)/.test(run.stderr));
    expect(waited.length).toBeLessThanOrEqual(1);
    if (waited.length === 1) expect(waited[0]).toBe(second[0]);
  });
});

describe('datalayer up refuses or fails with the reason', () => {
  it('exits 6 before any compose call when POSTGRES_PORT is held by another program', async () => {
    const fixture = await dockerHost();
    const stack = stackFor(fixture, false);
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((done) => blocker.listen(fixture.ports.postgres, '127.0.0.1', done));
    const run = await cli(fixture, ['up']);
    expect(run.exitCode).toBe(6);
    expect(run.stderr).toContain(`Port ${fixture.ports.postgres} (POSTGRES_PORT`);
    expect(run.stderr).toMatch(/set POSTGRES_PORT to a free port/);
    expect(stack.composeCalls('up')).toEqual([]);
  });

  it('uses docker-compose when the compose plugin is missing', async () => {
    const fixture = await dockerHost({ install: { withCompose: false, withDockerCompose: true } });
    const stack = stackFor(fixture, false);
    const run = await cli(fixture, ['up', '--no-wait']);
    expect(run.exitCode).toBe(0);
    const ups = stack.composeCalls('up');
    expect(ups).toHaveLength(1);
    expect(ups[0]?.[0]).toBe('docker-compose');
    expect(ups[0]?.slice(1, 3)).toEqual(['-p', 'host']);
  });

  it('exits 4 when no Compose is installed at all', async () => {
    const fixture = await dockerHost({ install: { withCompose: false, withDockerCompose: false } });
    const stack = stackFor(fixture, false);
    const run = await cli(fixture, ['up', '--no-wait']);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/No Docker Compose found/);
    expect(run.stderr).toMatch(/docker-compose/);
    expect(stack.composeCalls('up')).toEqual([]);
  });

  it('exits 4 with the daemon hint when the daemon is down', async () => {
    const fixture = await dockerHost();
    fixture.docker.setScenario({ daemonDown: true });
    const run = await cli(fixture, ['up', '--no-wait']);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/Docker daemon is not running/);
    expect(run.stderr).toMatch(/hint: .*systemctl start docker/);
  });

  it('DATALAYER_RUNTIME=docker from the shell is honoured (daemon down: exit 4, not a switch to native)', async () => {
    const fixture = await dockerHost({ shellRuntime: true, extraEnv: DOCKER });
    fixture.docker.setScenario({ daemonDown: true });
    // `down` rather than `up`: were the shell value ignored, auto would pick native, and `down` starts nothing.
    const run = await cli(fixture, ['down']);
    expect(run.stderr).toMatch(/Docker daemon is not running/);
    expect(run.exitCode).toBe(4);
  });

  it('a LocalStack container that exits 55 ends the wait at once: exit 5, its log, the token hint', async () => {
    const fixture = await dockerHost();
    const stack = stackFor(fixture, false);
    const running = startCli(['up', '--timeout', '60'], { cwd: fixture.host.dir, env: fixture.env });
    await running.waitForStderr(/Waiting for /);
    await stack.exit('localstack', 55, 'License activation failed! Reason: no credentials');
    const run = await running.result();
    expect(run.exitCode).toBe(5);
    // The next readiness check sees the exit; the 60 s timeout would say "not ready in time" instead.
    expect(run.stderr).not.toMatch(/was not ready in time/);
    expect(run.stderr).toMatch(/exited with code 55/);
    expect(run.stderr).toContain('License activation failed');
    // The fork's compose file passes no token to the container: the hint says what works instead.
    expect(run.stderr).toContain('LOCALSTACK_AUTH_TOKEN in .env cannot help');
    expect(run.stderr).toContain('docker tag localstack/localstack:4.12 localstack/localstack:latest');
  });

  it('--timeout 2 with Postgres never answering: exit 5 naming Postgres', async () => {
    const fixture = await dockerHost();
    stackFor(fixture, false);
    // Ends at its own 2 s: the default wait would outlast the test's time limit.
    const run = await cli(fixture, ['up', '--timeout', '2']);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toMatch(new RegExp(`error: Postgres at localhost:${fixture.ports.postgres}\\S* .*was not ready`));
  });

  it('SIGINT during the readiness wait: exit 130, and the lock is released', async () => {
    const fixture = await dockerHost();
    stackFor(fixture, false);
    const child = execa(process.execPath, [cliEntry, 'up', '--timeout', '60'], {
      cwd: fixture.host.dir,
      env: { CI: 'true', ...fixture.env },
      reject: false,
      stdin: 'ignore',
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Waiting for Postgres')) resolve();
      });
      void child.then(() => reject(new Error(`datalayer ended before waiting:\n${stderr}`)));
    });
    child.kill('SIGINT');
    const result = await child;
    // 130, not 5: the signal ended the wait, not the 60 s timeout.
    expect(result.exitCode).toBe(130);
    expect(existsSync(path.join(fixture.stateDir, 'datalayer.lock'))).toBe(false);
    const next = await cli(fixture, ['up', '--no-wait']);
    expect(next.exitCode).toBe(0);
    expect(next.stderr).not.toMatch(/Waiting for another datalayer/);
  });
});
