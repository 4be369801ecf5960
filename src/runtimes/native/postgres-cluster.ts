import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { ConfigError, InterruptedError, NotReadyError, PrerequisiteError } from '../../support/errors.js';
import type { ProcessRunner } from '../../process/runner.js';
import type { ServerIdentity } from './system-user.js';

/**
 * The Postgres client library takes tens of milliseconds to load and only a first start needs it
 * here: it loads while initdb runs, instead of before anything starts.
 */
let pgModule: Promise<typeof import('pg')> | undefined;
function loadPg(): Promise<typeof import('pg')> {
  pgModule ??= import('pg');
  return pgModule;
}

/** Credentials and placement of the native Postgres, from `.env`. */
export interface PostgresSettings {
  port: number;
  user: string;
  password: string;
  database: string;
}

export function clusterExists(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

/** A command run as the server user: through setpriv when we are root (the runner has no uid option). */
export function asServerUser(
  identity: ServerIdentity | undefined,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (!identity) return { file, args: [...args] };
  return {
    file: 'setpriv',
    args: [`--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups', '--', file, ...args],
  };
}

/**
 * Creates the cluster with the superuser and password of `.env`. The password goes through a pipe
 * (initdb's prompt reading stdin, in a session without a terminal), never through a file or the
 * command line: nothing holding it is left on disk, whatever signal ends datalayer (SIGKILL
 * included). initdb's output is appended to the server log.
 *
 * initdb runs with `--no-sync`: writing its ~1000 files to disk is left to the caller, who does it
 * while the server starts (flush-tree.ts) instead of before, and records until then that it is owed.
 */
export async function initialiseCluster(options: {
  runner: ProcessRunner;
  initdb: string;
  dataDir: string;
  workDir: string;
  settings: PostgresSettings;
  identity: ServerIdentity | undefined;
  logFile: string;
  /** Ctrl-C: initdb, in a session of its own, does not get the terminal's signal; it is stopped through this. */
  signal?: AbortSignal;
  /** Called once initdb runs. */
  onSpawn?: () => void;
}): Promise<void> {
  const { runner, dataDir, settings, identity } = options;
  const initdbArgs = ['-D', dataDir, '-U', settings.user, '--pwprompt', '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'];
  const command = asServerUser(identity, options.initdb, initdbArgs);
  const initdb = runner.run(command.file, command.args, {
    cwd: options.workDir,
    timeoutMs: 180_000,
    // The prompt asks twice ("Enter it again").
    input: `${settings.password}\n${settings.password}\n`,
    newSession: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
  // The client library loads meanwhile: the server's first login follows.
  const [result] = await Promise.all([initdb, loadPg()]);
  await appendFile(options.logFile, `${result.stdout}\n${result.stderr}\n`, { mode: 0o600 });
  if (result.notFound) {
    throw new PrerequisiteError(`${command.file} was not found.`, {
      hint: identity ? 'Install util-linux (it provides setpriv), or run datalayer as an unprivileged user.' : undefined,
    });
  }
  if (result.exitCode !== 0) {
    const detail = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw new PrerequisiteError(`initdb failed (exit ${result.exitCode}) creating ${dataDir}:\n${detail}`, {
      hint: 'See .datalayer/logs/postgres.log; remove .datalayer/native/postgres if it is a half-made directory.',
    });
  }
}

/** How the first start waits for its server: the `.env` login, and what tells it is up. */
export interface DatabaseWait {
  settings: PostgresSettings;
  isServerAlive: () => boolean;
  /** The server's own word that it accepts connections (its lock file): looked at often, at no cost to it. */
  saysReady: () => Promise<boolean>;
  lastLogLines: () => Promise<string[]>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Waits until the server accepts the `.env` credentials, then creates `settings.database` when it
 * does not exist yet (like the official image does with POSTGRES_DB).
 */
export async function ensureDatabase(options: DatabaseWait): Promise<void> {
  const { settings } = options;
  const client = await connectWhenReady(options);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdentifier(settings.database)}`);
    }
  } finally {
    await client.end();
  }
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', '57P03']);
const CREDENTIAL_CODES = new Set(['28P01', '28000']);
/** Reading the lock file is cheap: look often, so that the wait ends as the server gets ready. */
const READY_POLL_MS = 10;
/** A login is tried this often even while the lock file does not say ready (a server that never writes it). */
const BLIND_ATTEMPT_MS = 250;

async function connectWhenReady(options: DatabaseWait): Promise<pg.Client> {
  const deadline = Date.now() + options.timeoutMs;
  let nextBlindAttempt = Date.now() + BLIND_ATTEMPT_MS;
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError();
    if ((await options.saysReady()) || Date.now() >= nextBlindAttempt) {
      nextBlindAttempt = Date.now() + BLIND_ATTEMPT_MS;
      const client = await tryLogin(options.settings);
      if (client) return client;
    }
    if (!options.isServerAlive()) {
      throw new NotReadyError('PostgreSQL exited while starting.', {
        hint: 'Its last log lines are below; see .datalayer/logs/postgres.log.',
        data: { service: 'postgres', logs: await options.lastLogLines() },
      });
    }
    if (Date.now() >= deadline) {
      throw new NotReadyError(`PostgreSQL did not accept connections on 127.0.0.1:${options.settings.port} in time.`, {
        hint: 'See .datalayer/logs/postgres.log.',
        data: { service: 'postgres', logs: await options.lastLogLines() },
      });
    }
    await delay(READY_POLL_MS);
  }
}

/** A connected client, or undefined when the server is not there yet (worth another try). */
async function tryLogin(settings: PostgresSettings): Promise<pg.Client | undefined> {
  const { default: pgLibrary } = await loadPg();
  const client = new pgLibrary.Client({
    host: '127.0.0.1',
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined); // the connection failed; there is nothing to close
    const code = (error as { code?: string }).code ?? '';
    if (CREDENTIAL_CODES.has(code)) throw credentialsChanged(settings.user, error);
    if (!RETRYABLE_CODES.has(code) && !isTimeout(error)) throw error;
    return undefined;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /timeout/i.test(error.message);
}

export function credentialsChanged(user: string, cause?: unknown, initialUser?: string): ConfigError {
  const first = initialUser ? ` for user ${initialUser}` : '';
  return new ConfigError(
    `The native PostgreSQL data in .datalayer/native/postgres was initialised${first} with other credentials than POSTGRES_USER=${user} and POSTGRES_PASSWORD in .env; an existing data directory keeps its first credentials.`,
    {
      hint: 'Put the first POSTGRES_USER/POSTGRES_PASSWORD back in .env, or delete the native data with `datalayer down --volumes` and run `datalayer up` again.',
      cause,
    },
  );
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
