/**
 * The password as written in `.env`, through a running stack: the value Compose hands the real
 * postgres container is the one datalayer reads, and the one it logs in with.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadHostConfig } from '../../src/config/host-config.js';
import { resolveHostProject } from '../../src/context/host-project.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { DATA_LAYER_COMPOSE } from '../helpers/engine-compose.js';
import { describeEngine, docker, removeEngineStack } from '../helpers/engine.js';
import { makeHost, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort } from '../helpers/no-docker-env.js';

/** Each shape writes the password its own way; `expected` is what Compose must hand the container. */
const PASSWORD_SHAPES: Array<{ name: string; line: string; expected: string; eol?: string; bom?: boolean }> = [
  { name: 'single quotes around #, blanks and $ (BOM, CRLF)', line: "POSTGRES_PASSWORD='p#ss word $NOT_A_VAR'", expected: 'p#ss word $NOT_A_VAR', eol: '\r\n', bom: true },
  { name: 'double quotes with escapes, export and a comment', line: 'export POSTGRES_PASSWORD="q\\"uo\\\\te \\$x\tz" # rotated', expected: 'q"uo\\te $x\tz' },
  { name: '`KEY: value`, a # inside the value and a comment after it', line: 'POSTGRES_PASSWORD: pw#in-value%40 # a comment', expected: 'pw#in-value%40' },
];

describeEngine('the password of .env through a running stack on a real engine', () => {
  let host: HostFixture;
  let ports: { postgres: number; s3: number };
  const project = `dl-pwshape-${process.pid}`;
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: host.dir, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 300_000 });

  function writeEnv(shape: (typeof PASSWORD_SHAPES)[number]): void {
    const eol = shape.eol ?? '\n';
    const lines = [
      'CHAINLIT_AUTH_SECRET=k3Jv9QmZpX2rT7wLbN4sYc8dHf6gAe1uRi5oWq0zVx',
      `COMPOSE_PROJECT_NAME=${project}`,
      'DATALAYER_RUNTIME=docker',
      'CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml',
      'POSTGRES_USER=chainlit',
      shape.line,
      'POSTGRES_DB=chainlit',
      `POSTGRES_PORT=${ports.postgres}`,
      'BUCKET_NAME=chainlit-files',
      'APP_AWS_ACCESS_KEY=AKIAPWSHAPE',
      'APP_AWS_SECRET_KEY=pw-shape-secret-key',
      'APP_AWS_REGION=eu-central-1',
      `LOCALSTACK_PORT=${ports.s3}`,
      'DEV_AWS_ENDPOINT=http://localstack:4566',
    ];
    writeFileSync(path.join(host.dir, '.env'), (shape.bom ? '\ufeff' : '') + lines.join(eol) + eol);
  }

  beforeAll(async () => {
    ports = { postgres: await freePort(), s3: await freePort() };
    host = makeHost({ compose: DATA_LAYER_COMPOSE });
    await writeChainlitMigrations(host.submoduleDir);
  });

  afterAll(async () => {
    if (host) await removeEngineStack(host, project, cli);
  }, 300_000);

  it.each(PASSWORD_SHAPES.map((shape) => [shape.name, shape] as const))('%s: the container gets what datalayer reads, and datalayer logs in with it', async (_name, shape) => {
    writeEnv(shape);
    const read = (await loadHostConfig({ host: resolveHostProject({ cwd: host.dir }), env: { PATH: process.env.PATH ?? '' } })).values.POSTGRES_PASSWORD;
    expect(read).toBe(shape.expected);
    try {
      const up = await cli(['up', '--timeout', '240']);
      expect(up.exitCode, up.stderr).toBe(0);
      // What Compose handed the container, byte for byte.
      const inspect = await docker(['inspect', '--format', '{{json .Config.Env}}', `${project}-postgres-1`]);
      const containerEnv = JSON.parse(inspect.stdout) as string[];
      expect(containerEnv).toContain(`POSTGRES_PASSWORD=${shape.expected}`);
      const connect = await cli(['check', '--connect']);
      expect(connect.exitCode, connect.stdout + connect.stderr).toBe(0);
      // The host-side DATABASE_URL datalayer hands a script logs in to the real container.
      const values = await cli(['status', '-o', 'env']);
      const url = execFileSync('bash', ['-c', 'eval "$0"; printf %s "$DATABASE_URL"', values.stdout], { encoding: 'utf8' });
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        expect((await client.query<{ user: string }>('SELECT current_user AS user')).rows).toEqual([{ user: 'chainlit' }]);
      } finally {
        await client.end();
      }
      // The wrong password is refused: the login above proved the password, not a trust rule.
      const wrongUrl = new URL(url);
      wrongUrl.password = 'not-the-password';
      const wrong = new pg.Client({ connectionString: wrongUrl.toString(), connectionTimeoutMillis: 10_000 });
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      // postgres honours POSTGRES_PASSWORD on a fresh data directory only: the next shape starts empty.
      const down = await cli(['down', '--volumes', '--yes']);
      expect(down.exitCode, down.stderr).toBe(0);
    }
  });
});
