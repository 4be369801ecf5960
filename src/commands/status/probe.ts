/**
 * What `status` finds when it looks: can it log in to Postgres (and if not, why: refused login,
 * missing database, nothing listening), what the migration ledger says, is the bucket there. Each
 * cause is said in the report itself, not only in `--json`.
 */
import { displayPath } from '../../context/host-project.js';
import { bucketTargetOf, type Endpoints } from '../../config/endpoints.js';
import type { HostConfig } from '../../config/host-config.js';
import { migrationsDirectory } from '../../config/rules/migrations.js';
import { maskUrlPassword } from '../../report/redactor.js';

export interface PostgresProbe {
  /** datalayer logged in and read the ledger. */
  reachable: boolean;
  url: string;
  /** Why not, in one line. */
  error?: string;
  /** Why not, as a word a script can match: auth, database-missing, refused, timeout, host-not-found, ... */
  reason?: string;
}

export interface MigrationsProbe {
  applied: string[];
  pending: string[];
  failed: Array<{ name: string; logs: string | null }>;
  modifiedAfterApply: string[];
}

export interface Probes {
  postgres: PostgresProbe;
  migrations: MigrationsProbe | null;
  /** Why the migrations could not be read (no folder), when Postgres could. */
  migrationsError: string | null;
  bucket: { name: string; present: boolean; error?: string } | null;
  /** The object keys the chat history points at (`attachmentKeys`), when Postgres could be read. */
  attachmentKeys?: string[];
  /** What is not ready, Postgres first, then the bucket. */
  problems: string[];
}

const PROBE_TIMEOUT_MS = 1_500;

/** Whether to read, on the same connection, the object keys of the chat history (what an in-memory S3 may have lost); decided while the login is under way. */
export interface ProbeOptions {
  attachmentKeys: Promise<boolean>;
}

/** Postgres and S3 at once: neither waits for the other. */
export async function probeServices(config: HostConfig, endpoints: Endpoints, options: ProbeOptions): Promise<Probes> {
  const [database, bucket] = await Promise.all([probeDatabase(config, endpoints, options), probeBucket(endpoints)]);
  return { ...database, bucket: bucket.bucket, problems: [...database.problems, ...bucket.problems] };
}

type DatabaseProbe = Omit<Probes, 'bucket'>;

async function probeDatabase(config: HostConfig, endpoints: Endpoints, options: ProbeOptions): Promise<DatabaseProbe> {
  const url = maskUrlPassword(endpoints.databaseUrl);
  const postgres: PostgresProbe = { reachable: false, url };
  const [{ classifyPostgresError, openPostgresClient, passwordOf }, { readMigrationsFolder }, { migrationStatus }, { referencedObjectKeys }] = await Promise.all([
    import('../../services/postgres/connect.js'),
    import('../../services/migrations/folder.js'),
    import('../../services/migrations/status.js'),
    import('../../services/saved-objects/lost-attachments.js'),
  ]);
  // The folder is read while the login is under way.
  const dir = migrationsDirectory(config);
  const folderRead = readMigrationsFolder(dir).then(
    (folder) => ({ folder }),
    (error: unknown) => ({ error }),
  );
  let client;
  try {
    client = await openPostgresClient(endpoints.databaseUrl, { connectTimeoutMs: PROBE_TIMEOUT_MS });
  } catch (error) {
    const failure = classifyPostgresError(error, passwordOf(endpoints.databaseUrl));
    postgres.error = failure.reason;
    postgres.reason = failure.kind;
    return { postgres, migrations: null, migrationsError: null, problems: [postgresProblem(failure.kind, url, failure.reason)] };
  }
  try {
    postgres.reachable = true;
    const attachmentKeys = (await options.attachmentKeys) ? { attachmentKeys: await referencedObjectKeys(client) } : {};
    const read = await folderRead;
    if ('error' in read) {
      const migrationsError = `no migrations could be read at ${displayPath(config.host.dir, dir)}: ${messageOf(read.error)}`;
      return { postgres, migrations: null, migrationsError, ...attachmentKeys, problems: [`${migrationsError} (the Chainlit schema comes from the submodule's prisma/migrations)`] };
    }
    const status = await migrationStatus(client, read.folder);
    const migrations: MigrationsProbe = {
      applied: status.applied,
      pending: status.pending,
      failed: status.failed.map((f) => ({ name: f.name, logs: f.logs ?? null })),
      modifiedAfterApply: status.modifiedAfterApply,
    };
    const problems: string[] = [];
    if (status.pending.length > 0) problems.push(`${status.pending.length} migration(s) pending (\`datalayer migrate\`)`);
    if (status.failed.length > 0) problems.push(`failed migration(s): ${status.failed.map((f) => f.name).join(', ')}`);
    return { postgres, migrations, migrationsError: null, ...attachmentKeys, problems };
  } finally {
    await client.end().catch(() => undefined); // read-only: nothing to undo if closing fails
  }
}

/** One line per cause: a refused login is not "not reachable", and says what to check. */
function postgresProblem(kind: string, url: string, reason: string): string {
  switch (kind) {
    case 'auth':
      return `Postgres at ${url} refused the login, ${reason}: check POSTGRES_USER and POSTGRES_PASSWORD (a data directory keeps the ones it was created with)`;
    case 'database-missing':
      return `Postgres at ${url} answers, but ${reason}`;
    case 'host-not-found':
      return `the host of ${url} is not found (a compose service name only resolves inside its containers)`;
    default:
      return `Postgres is not reachable at ${url}: ${reason}`;
  }
}

async function probeBucket(endpoints: Endpoints): Promise<{ bucket: Probes['bucket']; problems: string[] }> {
  const target = bucketTargetOf(endpoints);
  if (!target) return { bucket: null, problems: [] };
  const bucket: NonNullable<Probes['bucket']> = { name: target.bucket, present: false };
  try {
    const { S3Client } = await import('../../services/s3/client.js');
    const client = new S3Client(target.settings, { requestTimeoutMs: PROBE_TIMEOUT_MS });
    bucket.present = await client.bucketExists(target.bucket);
    return { bucket, problems: bucket.present ? [] : [`bucket ${target.bucket} is missing (\`datalayer up\` creates it)`] };
  } catch (error) {
    bucket.error = messageOf(error);
    return { bucket, problems: [`S3 is not reachable at ${endpoints.s3Endpoint ?? 'AWS'}`] };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
