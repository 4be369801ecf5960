/**
 * `datalayer restore`: checks first (preflight.ts), asks before overwriting, then loads the tables
 * in one transaction and the objects undoably, verifies both against the manifest, and commits
 * only when everything matched. A failure or Ctrl-C rolls the database back and undoes the
 * objects; what cannot be undone is named key by key.
 */
import type pg from 'pg';
import type { Reporter } from '../../report/reporter.js';
import { ConfigError, DatalayerError, isDatalayerError, NotReadyError, RefusedError } from '../../support/errors.js';
import { BucketRestore } from '../archive/bucket-restore.js';
import { TRANSFERS_AT_ONCE } from '../archive/bucket-staging.js';
import { BoundedTasks } from '../../support/bounded-tasks.js';
import { manifestTotals, type BucketSection, type Manifest } from '../archive/manifest.js';
import { openArchive, type OpenArchive } from '../archive/read-archive.js';
import { Staging } from '../archive/staging.js';
import { formatBytes } from '../backup/format-bytes.js';
import { loadDatabase, type PendingDatabase } from '../database-archive/load.js';
import { connectOrExplain } from '../postgres/connect.js';
import type { S3Settings } from '../s3/client.js';
import { S3Objects } from '../s3/objects.js';
import { inspectTargetDatabase } from './preflight.js';

export interface RestoreArchiveOptions {
  file: string;
  /** The file as the user named it. */
  shown: string;
  databaseUrl: string;
  bucket?: { name: string; settings: S3Settings };
  replace: boolean;
  /** Asks the person at the terminal; undefined when nobody can answer (then --yes is needed). */
  confirm?: (question: string) => Promise<boolean>;
  yes: boolean;
  stagingParent: string;
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface RestoreSummary {
  source: Manifest['source'];
  createdAt: string;
  tables: number;
  rows: number;
  objects: number;
  objectBytes: number;
  replaced: { rows: number; objects: number } | null;
  /** Objects only the target had, deleted after the restore (--replace). */
  deletedObjects: number;
}

export async function restoreArchive(options: RestoreArchiveOptions): Promise<RestoreSummary> {
  const archive = await openArchive(options.file, options.shown);
  const staging = await Staging.create(options.stagingParent);
  let client: pg.Client | undefined;
  try {
    const { manifest } = archive;
    client = await connectOrExplain(options.databaseUrl, { connectTimeoutMs: 5_000 });
    const target = await inspectTargetDatabase(client, manifest, options.shown);
    const section = bucketSectionOf(manifest, options);
    const bucket = section && options.bucket ? await BucketRestore.begin({ main: new S3Objects(options.bucket.settings, options.signal), undo: new S3Objects(options.bucket.settings) }, options.bucket.name, staging) : undefined;
    const present = { rows: Object.values(target.rows).reduce((sum, n) => sum + n, 0), objects: bucket?.existing.size ?? 0 };
    await confirmReplacement(options, target.rows, present.objects);
    const connection = client;
    const dropConnectionOnAbort = () => void connection.end().catch(() => undefined); // ending it rolls back; its own error adds nothing
    options.signal?.addEventListener('abort', dropConnectionOnAbort, { once: true });
    try {
      await apply(options, archive, client, bucket, section);
    } finally {
      options.signal?.removeEventListener('abort', dropConnectionOnAbort);
    }
    const deletedObjects = options.replace && bucket && section ? await deleteExtras(options, bucket, section) : 0;
    const totals = manifestTotals(manifest);
    return {
      source: manifest.source,
      createdAt: manifest.createdAt,
      ...totals,
      replaced: options.replace && (present.rows > 0 || present.objects > 0) ? present : null,
      deletedObjects,
    };
  } finally {
    archive.close();
    await client?.end().catch(() => undefined); // after a commit or a rollback: nothing left to lose
    await staging.remove();
  }
}

function bucketSectionOf(manifest: Manifest, options: RestoreArchiveOptions): BucketSection | undefined {
  const section = manifest.buckets[0];
  if (!section || section.objects.length === 0) return undefined;
  if (!options.bucket) {
    throw new ConfigError(`The archive holds ${section.objects.length} object(s), but the target has no S3 bucket configured. Nothing was changed.`, {
      hint: 'Set BUCKET_NAME, APP_AWS_ACCESS_KEY, APP_AWS_SECRET_KEY and APP_AWS_REGION in .env, run `datalayer up`, then restore again.',
    });
  }
  return section;
}

async function confirmReplacement(options: RestoreArchiveOptions, rows: Record<string, number>, objects: number): Promise<void> {
  const tables = Object.entries(rows).map(([table, count]) => `${table}: ${count}`);
  if (tables.length === 0 && objects === 0) return;
  const what = [tables.length > 0 ? `rows (${tables.join(', ')})` : '', objects > 0 ? `${objects} object(s) in bucket ${options.bucket?.name}` : ''].filter(Boolean).join(' and ');
  const data = { rows, objects };
  if (!options.replace) {
    throw new RefusedError(`The target is not empty: it holds ${what}. Nothing was changed.`, {
      hint: 'Restore into an empty stack (`datalayer up` on a new project), or pass --replace to delete what the target holds and put the archive in its place.',
      data,
    });
  }
  if (options.yes) return;
  if (!options.confirm) {
    throw new RefusedError(`Refusing to replace ${what} without confirmation. Nothing was changed.`, { hint: 'Run it again with --yes to confirm.', data });
  }
  if (!(await options.confirm(`Delete ${what} and put the archive's data in their place?`))) {
    throw new RefusedError('Nothing was changed.', { hint: 'Without --replace, restore only fills an empty target.', data });
  }
}

async function apply(options: RestoreArchiveOptions, archive: OpenArchive, client: pg.Client, bucket: BucketRestore | undefined, section: BucketSection | undefined): Promise<void> {
  const database = archive.manifest.database!;
  let pending: PendingDatabase | undefined;
  try {
    pending = await loadTables(options, archive, client);
    if (bucket && section) await putObjects(options, archive, bucket, section);
    const verifying = options.reporter.progress('Verifying counts and checksums');
    if (bucket && section) await bucket.verify(section);
    verifying.done(`Verified: ${database.tables.length} tables, ${section?.objects.length ?? 0} objects match the manifest`);
    await pending.commit();
  } catch (error) {
    await pending?.rollback().catch(() => undefined); // a dropped connection has rolled back already
    const left = bucket ? await bucket.undo() : [];
    throw withUndoReport(error, left, options.signal);
  }
}

async function loadTables(options: RestoreArchiveOptions, archive: OpenArchive, client: pg.Client): Promise<PendingDatabase> {
  const progress = options.reporter.progress('Restoring the database');
  try {
    const pending = await loadDatabase(client, archive.manifest.database!, archive.next, {
      replace: options.replace,
      signal: options.signal,
      onTable: (table, done, total) => progress.update(`Restoring the database: table ${done}/${total} (${table})`),
    });
    progress.done(`Database loaded and checked: ${pending.rows} rows (not committed until the objects are in)`);
    return pending;
  } catch (error) {
    progress.fail('Database not restored; nothing was changed there');
    throw error;
  }
}

async function putObjects(options: RestoreArchiveOptions, archive: OpenArchive, bucket: BucketRestore, section: BucketSection): Promise<void> {
  const totals = { totalObjects: section.objects.length, totalBytes: section.objects.reduce((sum, o) => sum + o.size, 0) };
  const progress = options.reporter.progress(`Restoring objects into bucket ${bucket.bucket}`);
  const tasks = new BoundedTasks(TRANSFERS_AT_ONCE);
  try {
    for (const object of section.objects) {
      if (options.signal?.aborted) throw options.signal.reason;
      const entry = await archive.next();
      if (!entry) throw new ConfigError(`The archive is damaged: it ends before object "${object.key}".`);
      const upload = await bucket.stage(entry, object, totals, (p) =>
        progress.update(`Restoring objects into bucket ${bucket.bucket}: ${p.objects}/${p.totalObjects} (${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)})`),
      );
      await tasks.add(upload);
    }
    await tasks.settle();
    progress.done(`${section.objects.length} objects written to bucket ${bucket.bucket} (${formatBytes(totals.totalBytes)})`);
  } catch (error) {
    // Uploads still in flight finish (or fail) before anything is undone.
    await tasks.settle().catch(() => undefined); // the first error is already the one being thrown
    progress.fail('Objects not restored');
    throw error;
  }
}

async function deleteExtras(options: RestoreArchiveOptions, bucket: BucketRestore, section: BucketSection): Promise<number> {
  const extras = bucket.extraKeys(section);
  if (extras.length === 0) return 0;
  try {
    await bucket.deleteKeys(extras);
  } catch (error) {
    throw new NotReadyError(`The restore is complete, but ${extras.length} object(s) that only the target had could not be deleted from bucket ${bucket.bucket}: ${(error as Error).message}`, {
      hint: 'Delete them by hand, or run the restore again with --replace.',
      data: { objects: extras },
    });
  }
  options.reporter.info(`Deleted ${extras.length} object(s) that only the target had.`);
  return extras.length;
}

/** The error to report, saying whether everything was undone or exactly what is left. */
function withUndoReport(error: unknown, left: Array<{ key: string; reason: string }>, signal: AbortSignal | undefined): unknown {
  const cause = signal?.aborted ? signal.reason : error;
  if (left.length === 0) {
    if (isDatalayerError(cause)) return cause;
    return new DatalayerError(1, `${cause instanceof Error ? cause.message : String(cause)}; the restore was undone, nothing was changed.`, { cause });
  }
  const listed = left.map((item) => `${item.key} (${item.reason})`);
  const message = `${cause instanceof Error ? cause.message : String(cause)}. The database was rolled back, but ${left.length} object(s) could not be undone: ${listed.join('; ')}.`;
  return new DatalayerError(isDatalayerError(cause) ? cause.exitCode : 1, message, {
    hint: 'Delete those objects (or put back their previous versions) by hand before using this bucket.',
    data: { objectsLeft: left },
    cause,
  });
}
