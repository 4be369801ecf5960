import { S3Client } from '@aws-sdk/client-s3';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runCli, type CliRun } from './cli.js';
import { withValues } from './docker-host.js';
import { compose, docker, type DockerRun } from './engine.js';
import { makeHostWithSubmodule, makeUpstream, type GitSandbox, type UpstreamFixture } from './git-fixtures.js';
import { FORK_LIKE_COMPOSE, seedEnv } from './host-fixture.js';
import { FORK_LIKE_INIT_SCRIPT } from './localstack-standin.js';
import { freePort, queryRows } from './real-postgres.js';

/**
 * A host shaped like OpenRAG on a real engine: its own docker-compose.yaml that includes
 * `${CHAINLIT_DATALAYER_COMPOSE:-extern/dummy.yaml}`, and a real git submodule shaped like the
 * chainlit-datalayer fork (build-only data-layer service, postgres:16, LocalStack :latest with its
 * init script creating my-bucket, two Prisma migrations).
 */
export const OPENRAG_COMPOSE = `# The app's own services would be here; the data layer comes in through include.
include:
  - \${CHAINLIT_DATALAYER_COMPOSE:-extern/dummy.yaml}
`;

/**
 * The fork builds data-layer from python:3.12-slim only to run prisma migrate deploy and Prisma
 * Studio. This one fails for certain, offline (no registry for the FROM) and online (the RUN).
 */
export const DATA_LAYER_DOCKERFILE = `FROM python:3.12-slim
RUN echo "the data-layer image only runs prisma migrate deploy and Prisma Studio" && exit 1
`;

export function forkUpstream(sandbox: GitSandbox, options: { name?: string; localstackImage?: string } = {}): UpstreamFixture {
  const compose = options.localstackImage ? FORK_LIKE_COMPOSE.replace('localstack/localstack:latest', options.localstackImage) : FORK_LIKE_COMPOSE;
  return makeUpstream(sandbox, options.name ?? 'chainlit-datalayer', {
    files: { 'compose.yaml': compose, 'localstack-script.sh': FORK_LIKE_INIT_SCRIPT, Dockerfile: DATA_LAYER_DOCKERFILE },
    executables: ['localstack-script.sh'],
  });
}

export interface EngineHost {
  dir: string;
  /** The compose project: the host directory's name, as the host's own `docker compose` derives it. */
  project: string;
  submoduleDir: string;
  ports: { postgres: number; localstack: number; studio: number };
  secrets: { password: string; accessKey: string; secretKey: string; authSecret: string };
  bucket: string;
  /** Every CLI run of this host, in order, with its arguments. */
  runs: Array<CliRun & { args: string[] }>;
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** The host's own `docker compose` (its docker-compose.yaml and .env), as OpenRAG runs it. */
  hostCompose(args: string[]): Promise<DockerRun>;
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  s3(): S3Client;
  writeEnv(values: Record<string, string>): void;
  /** Stops and deletes whatever the tests left running, even after a failure. */
  cleanup(): Promise<void>;
}

let counter = 0;

/** The Postgres data belongs to the container's user: without root, only a container may delete it. */
async function removeContainerOwned(dir: string): Promise<void> {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await docker(['run', '--rm', '--entrypoint', 'rm', '-v', `${path.dirname(dir)}:/parent`, 'postgres:16', '-rf', `/parent/${path.basename(dir)}`]);
  }
}

export async function makeEngineHost(sandbox: GitSandbox, upstream: UpstreamFixture, options: { values?: Record<string, string> } = {}): Promise<EngineHost> {
  counter += 1;
  const project = `openrag-${process.pid}-${counter}`;
  const dir = makeHostWithSubmodule(sandbox, upstream, project);
  writeFileSync(path.join(dir, 'docker-compose.yaml'), OPENRAG_COMPOSE);
  writeFileSync(path.join(dir, 'extern', 'dummy.yaml'), 'services: {}\n');
  const salt = `${process.pid.toString(36)}${counter}${Math.random().toString(36).slice(2, 7)}`;
  const secrets = { password: `pw-engine-${salt}-Qx7`, accessKey: `AKIAENGINE${salt.toUpperCase()}`, secretKey: `sk-engine-${salt}-Zr4`, authSecret: `auth-engine-${salt}-0b9c8d7e6f5a4b3c2d1e` };
  const ports = { postgres: await freePort(), localstack: await freePort(), studio: await freePort() };
  const bucket = 'chainlit-files';
  let envValues: Record<string, string> = {
    POSTGRES_USER: 'chainlit',
    POSTGRES_PASSWORD: secrets.password,
    POSTGRES_DB: 'chainlit',
    POSTGRES_PORT: String(ports.postgres),
    DATABASE_URL: 'postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
    BUCKET_NAME: bucket,
    APP_AWS_ACCESS_KEY: secrets.accessKey,
    APP_AWS_SECRET_KEY: secrets.secretKey,
    LOCALSTACK_PORT: String(ports.localstack),
    DEV_AWS_ENDPOINT: 'http://localstack:4566',
    PRISMA_STUDIO_PORT: String(ports.studio),
    ...options.values,
  };
  const writeEnv = (values: Record<string, string>) => {
    envValues = { ...envValues, ...values };
    writeFileSync(path.join(dir, '.env'), withValues(seedEnv({ secret: secrets.authSecret }), envValues), { mode: 0o600 });
  };
  writeEnv({});
  const runs: EngineHost['runs'] = [];
  const databaseUrl = () => `postgresql://chainlit:${encodeURIComponent(secrets.password)}@127.0.0.1:${ports.postgres}/chainlit`;
  return {
    dir,
    project,
    submoduleDir: path.join(dir, 'extern', 'chainlit-datalayer'),
    ports,
    secrets,
    bucket,
    runs,
    writeEnv,
    cli: async (args, env) => {
      const run = await runCli(args, { cwd: dir, timeoutMs: 300_000, ...(env ? { env } : {}) });
      runs.push({ ...run, args });
      return run;
    },
    hostCompose: (args) => docker(['compose', ...args], { cwd: dir }),
    query: <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => queryRows<T>(databaseUrl(), sql, values),
    s3: () =>
      new S3Client({
        endpoint: `http://127.0.0.1:${ports.localstack}`,
        region: 'eu-central-1',
        forcePathStyle: true,
        credentials: { accessKeyId: secrets.accessKey, secretAccessKey: secrets.secretKey },
      }),
    cleanup: async () => {
      // The project's containers, network and volumes, whatever state the tests left them in.
      await compose(['-p', project, 'down', '--volumes', '--remove-orphans', '--timeout', '2']);
      await removeContainerOwned(path.join(dir, 'extern', 'chainlit-datalayer', '.data'));
    },
  };
}
