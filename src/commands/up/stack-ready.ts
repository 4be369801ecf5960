import type pg from 'pg';
import type { HostCheck } from '../../config/check-host.js';
import type { Endpoints } from '../../config/endpoints.js';
import { migrationsDirectory } from '../../config/rules/migrations.js';
import type { Context } from '../../context/context.js';
import type { Runtime, ServiceRole } from '../../runtimes/runtime.js';
import { applyMigrations, ensureConfiguredBucket, waitForDatabase, waitForStorage, type BucketOutcome, type MigrationOutcome } from '../../services/up/provision.js';
import { explainCredentialChange, type SettingChange } from '../../services/up/settings-drift.js';
import { isDatalayerError, NotReadyError } from '../../support/errors.js';

export interface StackReadyRequest {
  check: HostCheck;
  endpoints: Endpoints;
  runtime: Runtime;
  /** The services to wait for. */
  roles: readonly ServiceRole[];
  migrate: boolean;
  /** Epoch milliseconds. */
  deadline: number;
  /** Ends a wait at once when the process or container behind a service has exited. */
  exitWatch: () => Promise<void>;
  /** What changed in `.env` since the stack started, to explain a refused login. */
  changes: readonly SettingChange[];
  /** A login to the stack's Postgres already under way (early-login.ts): the wait's first attempt. */
  earlyLogin?: Promise<pg.Client> | undefined;
}

export interface StackReadyOutcome {
  bucket: BucketOutcome | undefined;
  /** An S3 emulator that keeps objects in memory: the objects `down` saved that were put back. */
  savedObjects: { restored: number; saved: number } | undefined;
  migrations: MigrationOutcome | null;
}

/**
 * Waits until the stack is usable and provisions it: Postgres (login, ledger, migrations) and S3
 * (bucket, CORS rules, saved objects) side by side, since neither needs the other; on a running
 * stack most of Postgres' part is waiting for the server to fork a backend and check the password.
 * A failure before the deadline stops the other side and is the one reported; at the deadline each
 * side ends by itself, and Postgres' reason comes first, as when up waited for one after the other.
 */
export async function makeStackReady(context: Context, request: StackReadyRequest): Promise<StackReadyOutcome> {
  const stop = new AbortController();
  const side: Context = { ...context, signal: AbortSignal.any([context.signal, stop.signal]) };
  const failures = new Map<ServiceRole, unknown>();
  const settle = <T>(role: ServiceRole, work: Promise<T>): Promise<T | undefined> =>
    work.catch((error: unknown) => {
      failures.set(role, error);
      // The other side's wait then ends as one stopped by this role (its progress line says so).
      if (!stop.signal.aborted && Date.now() < request.deadline) stop.abort(new NotReadyError(`Stopped: ${role} failed`, { data: { role } }));
      return undefined;
    });
  // Postgres' login is the longer wait (a backend forked, the password checked): its code loads
  // first and its connection is under way before the S3 side loads, signs and sends its request.
  const waitsForPostgres = request.roles.includes('postgres');
  const postgresLoaded = waitsForPostgres ? import('../../services/postgres/ready.js').then(() => undefined, () => undefined) : undefined;
  const [migrations, storage] = await Promise.all([
    waitsForPostgres ? settle('postgres', databaseSide(side, request)) : undefined,
    request.roles.includes('s3') ? settle('s3', postgresLoaded ? postgresLoaded.then(() => storageSide(side, request)) : storageSide(side, request)) : undefined,
  ]);
  // The first failure is never the stop it caused, so a failed up always has a cause to report.
  const cause = (['postgres', 's3'] as const).find((role) => failures.has(role) && failures.get(role) !== stop.signal.reason);
  if (cause) throw failures.get(cause);
  return { bucket: storage?.bucket, savedObjects: storage?.savedObjects, migrations: migrations ?? null };
}

/** One login proves Postgres ready, then reads the ledger and applies what is pending. */
async function databaseSide(context: Context, request: StackReadyRequest): Promise<MigrationOutcome | null> {
  const dir = migrationsDirectory(request.check.config);
  // The folder is read while the login is under way; a missing one is reported by applyMigrations.
  const folder = request.migrate ? import('../../services/migrations/folder.js').then(({ readMigrationsFolder }) => readMigrationsFolder(dir)) : undefined;
  folder?.catch(() => undefined);
  const client = await waitForStackDatabase(context, request, request.migrate);
  try {
    if (!request.migrate) return null;
    return await applyMigrations(context, request.endpoints.databaseUrl, dir, client, folder);
  } finally {
    // Not awaited: the server's goodbye tells up nothing, and the connection is not used again.
    void client?.end().catch(() => undefined);
  }
}

async function storageSide(context: Context, request: StackReadyRequest): Promise<Pick<StackReadyOutcome, 'bucket' | 'savedObjects'>> {
  const { endpoints, runtime } = request;
  const seen = await waitForStorage(context, endpoints, { deadline: request.deadline, check: request.exitWatch, localstack: runtime.kind === 'docker' });
  const bucket = await ensureConfiguredBucket(context, endpoints, { create: true, seen });
  return { bucket, savedObjects: await putBackSavedObjects(context, request) };
}

/**
 * Postgres of the local stack accepts the login of `.env`. POSTGRES_DB missing on a server that
 * runs (changed in `.env` since the data was created; the image only creates it on its first
 * start) is created, empty; a refused login after POSTGRES_USER/PASSWORD changed says so.
 */
async function waitForStackDatabase(context: Context, request: StackReadyRequest, keepClient: boolean): Promise<pg.Client | undefined> {
  const { endpoints } = request;
  const wait = { deadline: request.deadline, check: request.exitWatch, keepClient };
  try {
    return await waitForDatabase(context, endpoints, { ...wait, firstAttempt: request.earlyLogin });
  } catch (error) {
    if (!isDatalayerError(error) || error.data.reason !== 'database-missing') throw explainCredentialChange(error, request.changes, request.check.config);
  }
  const { createMissingDatabase } = await import('../../services/postgres/create-database.js');
  const name = await createMissingDatabase(endpoints.databaseUrl);
  context.reporter.warn(`Database ${name} did not exist on the running Postgres: created it, empty.`);
  return waitForDatabase(context, endpoints, wait);
}

/**
 * An S3 emulator that keeps objects in memory (LocalStack without persistence) gets back what
 * `down` saved. The native S3 server keeps its objects on disk: nothing to load for it.
 */
async function putBackSavedObjects(context: Context, { runtime, check, endpoints }: StackReadyRequest): Promise<StackReadyOutcome['savedObjects']> {
  if (runtime.kind !== 'docker') return undefined;
  const { putBackAfterStart } = await import('../../services/saved-objects/stack-hooks.js');
  return putBackAfterStart(context, runtime, check.compose, endpoints);
}
