import path from 'node:path';
import pg from 'pg';
import { installFakeDocker, type FakeDocker, type FakeDockerInstall } from './fake-docker.js';
import { makeHost, seedEnv, type HostFixture } from './host-fixture.js';
import { freePort } from './real-postgres.js';

/** A host project whose `.env` publishes free ports, with a fake docker installed beside it (not inside it). */
export interface DockerHost {
  host: HostFixture;
  docker: FakeDocker;
  ports: { postgres: number; localstack: number; studio: number };
  database: string;
  bucket: string;
  /** Environment for runCli: the fake first on PATH, plus `extraEnv`. */
  env: Record<string, string>;
  stateDir: string;
}

export interface DockerHostOptions {
  name?: string;
  database?: string;
  bucket?: string;
  /** Keys to set (replacing the seed's line, or appended). */
  values?: Record<string, string>;
  install?: FakeDockerInstall;
  /** Environment for the CLI beyond the fake's PATH. */
  extraEnv?: Record<string, string>;
}

let counter = 0;

export async function makeDockerHost(options: DockerHostOptions = {}): Promise<DockerHost> {
  counter += 1;
  const ports = { postgres: await freePort(), localstack: await freePort(), studio: await freePort() };
  const database = options.database ?? `chainlit_${process.pid}_${counter}`;
  const bucket = options.bucket ?? `chainlit-files-${counter}`;
  const env = withValues(seedEnv(), {
    POSTGRES_PORT: String(ports.postgres),
    POSTGRES_DB: database,
    // Container side: the compose network's name and the container port, as Chainlit in a container reaches them.
    DATABASE_URL: 'postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
    LOCALSTACK_PORT: String(ports.localstack),
    DEV_AWS_ENDPOINT: 'http://localstack:4566',
    BUCKET_NAME: bucket,
    PRISMA_STUDIO_PORT: String(ports.studio),
    ...options.values,
  });
  const host = makeHost({ env, ...(options.name ? { name: options.name } : {}) });
  const docker = installFakeDocker(path.join(path.dirname(host.dir), 'fake-docker'), {}, options.install);
  return {
    host,
    docker,
    ports,
    database,
    bucket,
    env: { ...docker.env, ...options.extraEnv },
    stateDir: path.join(host.dir, '.datalayer'),
  };
}

/** Replaces `KEY=...` lines of an env text, appending the keys it does not have. */
export function withValues(env: string, values: Record<string, string>): string {
  let text = env;
  for (const [key, value] of Object.entries(values)) {
    const pattern = new RegExp(`^${key}=.*$`, 'm');
    text = pattern.test(text) ? text.replace(pattern, () => `${key}=${value}`) : `${text}${text.endsWith('\n') ? '' : '\n'}${key}=${value}\n`;
  }
  return text;
}

/** A database of its own for one host, on the shared real Postgres. */
export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Runs one query against a database of the real Postgres. */
export async function queryDatabase<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The real server's URL with another database name. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
