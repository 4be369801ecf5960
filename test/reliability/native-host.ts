import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runCli, type CliRun } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { withValues } from '../helpers/docker-host.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { queryRows } from '../helpers/real-postgres.js';
import { freePort, noDockerEnv } from '../helpers/no-docker-env.js';

/** Secrets nobody would type by chance: finding one of them in an output is a leak, never a coincidence. */
export interface UniqueSecrets {
  password: string;
  accessKey: string;
  secretKey: string;
  authSecret: string;
}

export function uniqueSecrets(tag: string): UniqueSecrets {
  const salt = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return {
    password: `pw-${tag}-${salt}-Qx7`,
    accessKey: `AKIA${tag.toUpperCase()}${salt.toUpperCase()}`,
    secretKey: `sk-${tag}-${salt}-Zr4Lm`,
    authSecret: `auth-${tag}-${salt}-0b9c8d7e6f5a4b3c2d1e`,
  };
}

/** The data-layer values of a stack of its own: unique credentials, its own host ports. */
export function stackValues(secrets: UniqueSecrets, ports: { postgres: number; s3: number }): Record<string, string> {
  return {
    POSTGRES_USER: 'chainlit',
    POSTGRES_PASSWORD: secrets.password,
    POSTGRES_DB: 'chainlit',
    POSTGRES_PORT: String(ports.postgres),
    DATABASE_URL: 'postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}',
    BUCKET_NAME: 'chainlit-files',
    APP_AWS_ACCESS_KEY: secrets.accessKey,
    APP_AWS_SECRET_KEY: secrets.secretKey,
    LOCALSTACK_PORT: String(ports.s3),
    DEV_AWS_ENDPOINT: 'http://localstack:4566',
  };
}

/** A host for the native runtime: free ports, unique secrets, the Chainlit migrations, PATH without Docker. */
export interface NativeHost {
  host: HostFixture;
  secrets: UniqueSecrets;
  ports: { postgres: number; s3: number };
  env: Record<string, string>;
  stateDir: string;
  migrationsDir: string;
  cli(args: string[], timeoutMs?: number): Promise<CliRun>;
  /** Host-side DATABASE_URL with the password. */
  databaseUrl(): string;
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** The pids the native state records (undefined when not recorded). */
  recordedPids(): { postgres?: number; s3?: number };
  cleanup(): Promise<void>;
}

export interface NativeHostOptions {
  values?: Record<string, string>;
  /**
   * `cli()` runs the command line in the test's own process (runInProcess), for tests about the
   * servers and the files rather than about the datalayer process itself.
   */
  inProcess?: boolean;
}

export async function makeNativeHost(tag: string, options: NativeHostOptions = {}): Promise<NativeHost> {
  const secrets = uniqueSecrets(tag);
  const ports = { postgres: await freePort(), s3: await freePort() };
  const envText = withValues(seedEnv({ secret: secrets.authSecret }), {
    ...stackValues(secrets, ports),
    DATALAYER_RUNTIME: 'native',
    ...options.values,
  });
  const host = makeHost({ env: envText });
  const migrationsDir = await writeChainlitMigrations(host.submoduleDir);
  const env = noDockerEnv();
  const stateDir = path.join(host.dir, '.datalayer');
  const databaseUrl = () => `postgresql://chainlit:${encodeURIComponent(secrets.password)}@127.0.0.1:${ports.postgres}/chainlit`;
  const cli = (args: string[], timeoutMs = 120_000) =>
    options.inProcess ? runInProcess(args, { cwd: host.dir, env }) : runCli(args, { cwd: host.dir, env, timeoutMs });
  return {
    host,
    secrets,
    ports,
    env,
    stateDir,
    migrationsDir,
    cli,
    databaseUrl,
    query: <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => queryRows<T>(databaseUrl(), sql, values),
    recordedPids: () => {
      try {
        const state = JSON.parse(readFileSync(path.join(stateDir, 'native', 'state.json'), 'utf8')) as {
          services: { postgres?: { pid: number }; s3?: { pid: number } };
        };
        return { postgres: state.services.postgres?.pid, s3: state.services.s3?.pid };
      } catch (error) {
        // No state yet: nothing recorded.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw error;
      }
    },
    cleanup: async () => {
      await cli(['down', '--volumes', '--yes']);
      if (process.env.KEEP_HOST) console.log('kept host', host.dir);
      else host.cleanup();
    },
  };
}

/** A process's command line, arguments joined by spaces ('' once it has ended). */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return ''; // the process ended while we looked: it names nothing any more
  }
}

/** Every live process whose command line names `argument` (a data directory), from /proc. */
export function processesNaming(argument: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => commandLineOf(pid).includes(argument));
}

/** Every `*.json` file under `dir` (recursively, skipping the Postgres and S3 data): each must parse. */
export function jsonFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!['postgres', 's3'].includes(entry.name)) walk(full);
      } else if (entry.name.endsWith('.json')) found.push(full);
    }
  };
  walk(dir);
  return found;
}
