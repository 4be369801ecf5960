/**
 * `datalayer backup`: the database (one snapshot) and the bucket's objects read into staging,
 * then packed behind their manifest into one archive that appears under its name only when whole.
 */
import type { Reporter } from '../../report/reporter.js';
import { connectOrExplain } from '../postgres/connect.js';
import { S3Objects } from '../s3/objects.js';
import type { S3Settings } from '../s3/client.js';
import { stageBucket } from '../archive/bucket-staging.js';
import { manifestTotals, newManifest, type BucketSection, type ManifestSource } from '../archive/manifest.js';
import { Staging } from '../archive/staging.js';
import { writeArchive } from '../archive/write-archive.js';
import { dumpDatabase } from '../database-archive/dump.js';
import { formatBytes } from './format-bytes.js';

export interface CreateBackupOptions {
  databaseUrl: string;
  bucket?: { name: string; settings: S3Settings };
  source: Pick<ManifestSource, 'state' | 'runtime'>;
  target: string;
  /** Where staging goes (the project's `.datalayer/tmp`). */
  stagingParent: string;
  datalayerVersion: string;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface BackupSummary {
  bytes: number;
  tables: number;
  rows: number;
  objects: number;
  objectBytes: number;
  /** Listed, then deleted before they could be read: not in the archive. */
  objectsGone: string[];
  migrations: number;
}

export async function createBackup(options: CreateBackupOptions): Promise<BackupSummary> {
  const staging = await Staging.create(options.stagingParent);
  try {
    const client = await connectOrExplain(options.databaseUrl, { connectTimeoutMs: 5_000 });
    let dump;
    const database = options.reporter.progress('Reading the database');
    try {
      dump = await dumpDatabase(client, staging, (p) => database.update(`Reading the database: table ${p.done}/${p.total} (${p.table}), ${p.rows} rows`));
      database.done(`Database read: ${dump.section.tables.length} tables, ${dump.section.tables.reduce((sum, t) => sum + t.rows, 0)} rows (PostgreSQL ${dump.serverVersion})`);
    } catch (error) {
      database.fail('Database not read');
      throw error;
    } finally {
      await client.end().catch(() => undefined); // the dump's own outcome is what counts
    }
    const objectsGone: string[] = [];
    const buckets: BucketSection[] = options.bucket ? [await readBucket(options, staging, objectsGone)] : [];
    const manifest = newManifest({
      kind: 'backup',
      datalayerVersion: options.datalayerVersion,
      source: { ...options.source, postgresVersion: dump.serverVersion, database: dump.database, schema: dump.schema },
      database: dump.section,
      buckets,
    });
    const totals = manifestTotals(manifest);
    const writing = options.reporter.progress('Writing the archive');
    const totalBytes = totals.objectBytes + dump.section.tables.reduce((sum, table) => sum + table.bytes, 0);
    let bytes: number;
    try {
      bytes = await writeArchive(options.target, manifest, staging, {
        signal: options.signal,
        onEntry: (packed) => writing.update(`Writing the archive: ${formatBytes(packed)} of ${formatBytes(totalBytes)}`),
      });
      writing.done(`Archive written (${formatBytes(bytes)})`);
    } catch (error) {
      writing.fail('Archive not written');
      throw error;
    }
    return { bytes, ...totals, objectsGone, migrations: dump.section.ledger.length };
  } finally {
    await staging.remove();
  }
}

async function readBucket(options: CreateBackupOptions, staging: Staging, gone: string[]): Promise<BucketSection> {
  const bucket = options.bucket!;
  const progress = options.reporter.progress(`Reading bucket ${bucket.name}`);
  try {
    const section = await stageBucket(new S3Objects(bucket.settings, options.signal), bucket.name, staging, {
      signal: options.signal,
      counter: { next: 0 },
      onProgress: (p) => progress.update(`Reading bucket ${bucket.name}: ${p.objects}/${p.totalObjects} objects (${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)})`),
      onGone: (key) => gone.push(key),
    });
    progress.done(`Bucket ${bucket.name} read: ${section.objects.length} objects (${formatBytes(section.objects.reduce((sum, o) => sum + o.size, 0))})`);
    return section;
  } catch (error) {
    progress.fail(`Bucket ${bucket.name} not read`);
    throw error;
  }
}
