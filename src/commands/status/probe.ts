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
}

const PROBE_TIMEOUT_MS = 1_500;

export async function probeServices(config: HostConfig, endpoints: Endpoints, problems: string[]): Promise<Probes> {
  const { postgres, migrations, migrationsError } = await probeDatabase(config, endpoints, problems);
  return { postgres, migrations, migrationsError, bucket: await probeBucket(endpoints, problems) };
}

async function probeDatabase(config: HostConfig, endpoints: Endpoints, problems: string[]): Promise<Omit<Probes, 'bucket'>> {
  const url = maskUrlPassword(endpoints.databaseUrl);
  const postgres: PostgresProbe = { reachable: false, url };
  const [{ classifyPostgresError, openPostgresClient, passwordOf }, { readMigrationsFolder }, { migrationStatus }] = await Promise.all([
    import('../../services/postgres/connect.js'),
    import('../../services/migrations/folder.js'),
    import('../../services/migrations/status.js'),
  ]);
  let client;
  try {
    client = await openPostgresClient(endpoints.databaseUrl, { connectTimeoutMs: PROBE_TIMEOUT_MS });
  } catch (error) {
    const failure = classifyPostgresError(error, passwordOf(endpoints.databaseUrl));
    postgres.error = failure.reason;
    postgres.reason = failure.kind;
    problems.push(postgresProblem(failure.kind, url, failure.reason));
    return { postgres, migrations: null, migrationsError: null };
  }
  try {
    postgres.reachable = true;
    const dir = migrationsDirectory(config);
    let folder;
    try {
      folder = await readMigrationsFolder(dir);
    } catch (error) {
      const migrationsError = `no migrations could be read at ${displayPath(config.host.dir, dir)}: ${messageOf(error)}`;
      problems.push(`${migrationsError} (the Chainlit schema comes from the submodule's prisma/migrations)`);
      return { postgres, migrations: null, migrationsError };
    }
    const status = await migrationStatus(client, folder);
    const migrations: MigrationsProbe = {
      applied: status.applied,
      pending: status.pending,
      failed: status.failed.map((f) => ({ name: f.name, logs: f.logs ?? null })),
      modifiedAfterApply: status.modifiedAfterApply,
    };
    if (status.pending.length > 0) problems.push(`${status.pending.length} migration(s) pending (\`datalayer migrate\`)`);
    if (status.failed.length > 0) problems.push(`failed migration(s): ${status.failed.map((f) => f.name).join(', ')}`);
    return { postgres, migrations, migrationsError: null };
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

async function probeBucket(endpoints: Endpoints, problems: string[]): Promise<Probes['bucket']> {
  const target = bucketTargetOf(endpoints);
  if (!target) return null;
  const bucket: NonNullable<Probes['bucket']> = { name: target.bucket, present: false };
  try {
    const { S3Client } = await import('../../services/s3/client.js');
    const client = new S3Client(target.settings, { requestTimeoutMs: PROBE_TIMEOUT_MS });
    bucket.present = await client.bucketExists(target.bucket);
    if (!bucket.present) problems.push(`bucket ${target.bucket} is missing (\`datalayer up\` creates it)`);
  } catch (error) {
    bucket.error = messageOf(error);
    problems.push(`S3 is not reachable at ${endpoints.s3Endpoint ?? 'AWS'}`);
  }
  return bucket;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
