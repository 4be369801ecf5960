import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { createDatabase, makeDockerHost, type DockerHost } from '../helpers/docker-host.js';
import { chainlitMigrationNames, writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { emulateComposeStack, type EmulatedStack } from '../helpers/published-ports.js';
import { startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';

// One stack for the whole file: `up` once, then `status` in its forms; the last test stops LocalStack.
let postgres: RealPostgres;
let s3: RealS3;
let fixture: DockerHost;
let stack: EmulatedStack;

beforeAll(async () => {
  [postgres, s3] = await Promise.all([
    startRealPostgres({ user: 'root', password: 'root', database: 'postgres' }),
    startRealS3({ accessKey: 'random-key', secretKey: 'random-key' }),
  ]);
  fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker' } });
  await writeChainlitMigrations(fixture.host.submoduleDir);
  await createDatabase(postgres.url, fixture.database);
  stack = emulateComposeStack({
    docker: fixture.docker,
    postgres: { published: fixture.ports.postgres, backendPort: postgres.port },
    localstack: { published: fixture.ports.localstack, s3Port: s3.port },
    scenario: { logs: { postgres: 'starting\nlistening on 5432\nready to accept connections' } },
  });
  const up = await cli(['up', '--timeout', '30']);
  if (up.exitCode !== 0) throw new Error(`datalayer up failed:\n${up.stderr}`);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([postgres?.stop(), s3?.stop()]);
  fixture?.host.cleanup();
});

const cli = (args: string[]) => runCli(args, { cwd: fixture.host.dir, env: fixture.env });

describe('datalayer status on Docker Compose', () => {
  it('`-o env` prints only export KEY=value lines with the host-side addresses (published ports, password included)', async () => {
    const run = await cli(['status', '-o', 'env']);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^export [A-Z_]+=\S+$/);
    const assignments = lines.map((line) => line.slice('export '.length));
    const values = Object.fromEntries(assignments.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(values.DATABASE_URL).toBe(`postgresql://root:root@localhost:${fixture.ports.postgres}/${fixture.database}`);
    expect(values.DEV_AWS_ENDPOINT).toBe(`http://localhost:${fixture.ports.localstack}`);
    expect(values.BUCKET_NAME).toBe(fixture.bucket);
    expect(values.APP_AWS_REGION).toBe('eu-central-1');
  });

  it('`--json` is one document: services with their published ports, migrations applied, bucket present', async () => {
    const run = await cli(['status', '--json']);
    expect(run.exitCode).toBe(0);
    expect(jsonOf(run)).toMatchObject({ ok: true, command: 'status', exitCode: 0 });
    const doc = dataOf(run);
    expect(doc).toMatchObject({ state: 'local', runtime: 'docker', ready: true, problems: [] });
    const services = doc.services as Array<{ name: string; role?: string; state: string; ports: unknown[] }>;
    expect(services.find((s) => s.role === 'postgres')).toMatchObject({ name: 'postgres', state: 'running', ports: [{ published: fixture.ports.postgres, target: 5432 }] });
    expect(services.find((s) => s.role === 's3')).toMatchObject({ name: 'localstack', state: 'running', ports: [{ published: fixture.ports.localstack, target: 4566 }] });
    expect(doc.migrations).toEqual({ applied: [...chainlitMigrationNames], pending: [], failed: [], modifiedAfterApply: [] });
    expect(doc.bucket).toEqual({ name: fixture.bucket, present: true });
    expect(JSON.stringify(jsonOf(run))).not.toContain('root:root@');
  });

  it('`logs -n 2 postgres` shows the last lines through `compose logs --tail 2`', async () => {
    const run = await cli(['logs', '-n', '2', 'postgres']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(['postgres-1  | listening on 5432', 'postgres-1  | ready to accept connections']);
    expect(stack.composeCalls('logs').at(-1)?.slice(-4)).toEqual(['logs', '--tail', '2', 'postgres']);
  });

  it('exits 5 and names the service when LocalStack is down', async () => {
    await stack.exit('localstack', 55);
    const json = await cli(['status', '--json']);
    expect(json.exitCode).toBe(5);
    expect(jsonOf(json)).toMatchObject({ ok: false, exitCode: 5 });
    const doc = dataOf(json);
    expect(doc).toMatchObject({ ready: false, bucket: { name: fixture.bucket, present: false } });
    expect((doc.problems as string[]).join('\n')).toMatch(/localstack is exited \(exit code 55\)/);
    const text = await cli(['status']);
    expect(text.exitCode).toBe(5);
    expect(text.stdout).toMatch(/✖ localstack\s+exited/);
    expect(text.stdout).toMatch(/Not ready: .*localstack/);
    // Unreachable S3 is not reported as a missing bucket.
    expect(text.stdout).toContain(`bucket       ${fixture.bucket} not checked (S3 not reachable)`);
  });
});
