import path from 'node:path';
import type { Context } from '../../context/context.js';
import { isDatalayerError, PrerequisiteError } from '../../support/errors.js';
import { bucketTargetOf, type Endpoints } from '../../config/endpoints.js';
import type { WaitOptions as PollWaitOptions } from '../../support/poll.js';
import type pg from 'pg';
import type { BucketState } from '../s3/client.js';
import type { MigrationsFolder } from '../migrations/folder.js';

/** The same words as `migrate` and `status`: `applied` is every migration in the database. */
export interface MigrationOutcome {
  /** Every migration applied in the database after this run, in folder order. */
  applied: string[];
  /** The ones this run applied. */
  appliedNow: string[];
}

export interface BucketOutcome {
  name: string;
  created: boolean;
  cors: 'set' | 'present' | 'skipped';
}

/** Probes are cheap local round-trips: look often, so that up returns as soon as a service is usable. */
const PROBE_INTERVAL_MS = 100;

/** The context gives the signal and the progress line; the interval is PROBE_INTERVAL_MS. */
type WaitOptions = Pick<PollWaitOptions, 'deadline' | 'check'>;

/**
 * Postgres accepts a login with the configured credentials and answers a query. With `keepClient`,
 * returns that connection for the next steps (the caller ends it): one login per `up`.
 */
export async function waitForDatabase(
  context: Context,
  endpoints: Endpoints,
  options: WaitOptions & { keepClient?: boolean; firstAttempt?: Promise<pg.Client> | undefined },
): Promise<pg.Client | undefined> {
  const progress = context.reporter.progress('Waiting for Postgres');
  try {
    const { waitForPostgres } = await import('../postgres/ready.js');
    const ready = await waitForPostgres({
      url: endpoints.databaseUrl,
      deadline: options.deadline,
      intervalMs: PROBE_INTERVAL_MS,
      signal: context.signal,
      keepClient: options.keepClient === true,
      ...(options.firstAttempt ? { firstAttempt: options.firstAttempt } : {}),
      ...(options.check ? { check: options.check } : {}),
      onWait: (reason) => progress.update(`Waiting for Postgres: ${reason}`),
    });
    progress.done(`Postgres is ready (PostgreSQL ${ready.serverVersion})`);
    return ready.client;
  } catch (error) {
    progress.fail(aboutAnotherService(error, 'postgres') ? 'Stopped waiting for Postgres' : 'Postgres is not ready');
    throw error;
  }
}

/**
 * The S3 side answers: LocalStack's health and init scripts (docker), or a signed request (native,
 * external). That request reads the configured bucket: what it learnt is returned, for
 * ensureConfiguredBucket to start from.
 */
export async function waitForStorage(
  context: Context,
  endpoints: Endpoints,
  options: WaitOptions & { localstack: boolean },
): Promise<BucketState | undefined> {
  const endpoint = endpoints.s3Endpoint;
  if (!endpoint) return undefined;
  let seen: BucketState | undefined;
  const progress = context.reporter.progress(options.localstack ? 'Waiting for LocalStack (S3)' : 'Waiting for S3');
  try {
    if (options.localstack) {
      const { waitForLocalstack } = await import('../localstack/ready.js');
      const ready = await waitForLocalstack({
        endpoint,
        deadline: options.deadline,
        intervalMs: PROBE_INTERVAL_MS,
        signal: context.signal,
        ...(options.check ? { check: options.check } : {}),
        onWait: (reason) => progress.update(`Waiting for LocalStack: ${reason}`),
      });
      for (const warning of ready.warnings) context.reporter.warn(warning);
    } else {
      const { waitForS3 } = await import('../s3/ensure.js');
      seen = await waitForS3({
        endpoint,
        region: endpoints.region,
        accessKey: endpoints.accessKey ?? '',
        secretKey: endpoints.secretKey ?? '',
        ...(endpoints.bucket && endpoints.accessKey && endpoints.secretKey ? { bucket: endpoints.bucket } : {}),
        deadline: options.deadline,
        intervalMs: PROBE_INTERVAL_MS,
        signal: context.signal,
        ...(options.check ? { check: options.check } : {}),
        onWait: (reason) => progress.update(`Waiting for S3: ${reason}`),
      });
    }
    progress.done(`S3 is ready at ${endpoint}`);
    return seen;
  } catch (error) {
    progress.fail(aboutAnotherService(error, 's3') ? 'Stopped waiting for S3' : 'S3 is not ready');
    throw error;
  }
}

/** The wait was ended by another service's exit (the exit watch names it), not by this one. */
function aboutAnotherService(error: unknown, role: 'postgres' | 's3'): boolean {
  const data = isDatalayerError(error) ? error.data : {};
  return typeof data.role === 'string' && data.role !== role;
}

/**
 * BUCKET_NAME exists, with Chainlit's CORS rules when datalayer may create it. `create`: datalayer
 * may create the bucket (and set its CORS rules); else it must exist. `seen`: what waitForStorage
 * just read of it.
 */
export async function ensureConfiguredBucket(
  context: Context,
  endpoints: Endpoints,
  { create, seen }: { create: boolean; seen?: BucketState | undefined },
): Promise<BucketOutcome | undefined> {
  const target = bucketTargetOf(endpoints);
  if (!target) return undefined;
  const { ensureBucket } = await import('../s3/ensure.js');
  const result = await ensureBucket({ ...target.settings, bucket: target.bucket, create, signal: context.signal }, seen);
  context.reporter.info(
    `${context.reporter.style.ok('✔')} Bucket ${target.bucket} ${result.created ? 'created' : 'present'}${result.cors === 'set' ? ' (CORS rules set)' : ''}`,
  );
  return { name: target.bucket, ...result };
}

/**
 * Applies the submodule's pending Prisma migrations to the host-side database (over `client` when
 * given: the caller ends it; with `folder`, the folder as it is already being read).
 */
export async function applyMigrations(
  context: Context,
  databaseUrl: string,
  migrationsDir: string,
  client?: pg.Client,
  folder?: Promise<MigrationsFolder>,
): Promise<MigrationOutcome> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(migrationsDir)) {
    const { submoduleFilesHint } = await import('../../config/rules/submodule-hint.js');
    const { displayPath } = await import('../../context/host-project.js');
    throw new PrerequisiteError(`No migrations folder at ${displayPath(context.host.dir, migrationsDir)}: the Chainlit schema comes from the submodule's prisma/migrations.`, {
      hint: `${submoduleFilesHint(context.host, path.dirname(path.dirname(migrationsDir)))} (If the database already has the schema, \`--no-migrate\` skips this step.)`,
    });
  }
  const { applyPendingMigrations } = await import('../migrations/apply.js');
  const result = await applyPendingMigrations({
    url: databaseUrl,
    migrationsDir,
    ...(client ? { client } : {}),
    ...(folder ? { folder } : {}),
    signal: context.signal,
    onApply: (name) => context.reporter.info(`  applying migration ${name}`),
  });
  const { style } = context.reporter;
  context.reporter.info(
    result.applied.length > 0
      ? `${style.ok('✔')} Applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'}`
      : `${style.ok('✔')} Schema up to date (${result.alreadyApplied.length} migration${result.alreadyApplied.length === 1 ? '' : 's'} applied before)`,
  );
  for (const name of result.modifiedAfterApply) context.reporter.warn(modifiedWarning(name));
  // Folder names sort as Prisma orders them (byte-wise), so the merged list is in folder order.
  const applied = [...result.alreadyApplied, ...result.applied].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { applied, appliedNow: result.applied };
}

/** A migration whose migration.sql no longer matches the checksum recorded when it ran. */
export function modifiedWarning(name: string): string {
  return `migration ${name} was changed after it was applied; the database keeps the old version.`;
}
