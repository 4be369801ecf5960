/**
 * The manifest: the first entry of every archive datalayer writes (a backup, or the saved copy of
 * an in-memory S3). It says what the archive holds and how to check it, before any data is read.
 * No secret ever goes in: no password, no key pair, no URL with credentials.
 */
import { ConfigError } from '../../support/errors.js';

export const ARCHIVE_FORMAT = 'datalayer-archive';
/** Changes when a field changes meaning or disappears; readers refuse a version they do not know. */
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_ENTRY = 'manifest.json';

export interface ManifestSource {
  state: 'local' | 'external';
  runtime: 'docker' | 'native' | null;
  /** `SHOW server_version` of the database backed up. */
  postgresVersion?: string;
  database?: string;
  schema?: string;
}

export interface TableEntry {
  name: string;
  /** The archive entry with its COPY text. */
  file: string;
  /** In the order of the COPY text. */
  columns: string[];
  /** The order of the rows (the primary key; every column when there is none). */
  orderBy: string[];
  rows: number;
  bytes: number;
  /** SHA-256 of the COPY text: rows ordered by `orderBy`, in canonical session settings. */
  sha256: string;
}

export interface SequenceEntry {
  name: string;
  lastValue: string;
  isCalled: boolean;
}

/** One row of `_prisma_migrations`, timestamps as ISO strings (UTC). */
export interface LedgerEntry {
  id: string;
  checksum: string;
  migrationName: string;
  startedAt: string;
  finishedAt: string | null;
  rolledBackAt: string | null;
  appliedStepsCount: number;
  logs: string | null;
}

export interface DatabaseSection {
  /** In load order: a table comes after every table it references. */
  tables: TableEntry[];
  sequences: SequenceEntry[];
  ledger: LedgerEntry[];
}

export interface ObjectEntry {
  key: string;
  file: string;
  size: number;
  sha256: string;
  /** Content-Type and the other content headers S3 keeps. */
  headers: Record<string, string>;
  /** x-amz-meta-* without the prefix. */
  metadata: Record<string, string>;
}

export interface BucketSection {
  name: string;
  objects: ObjectEntry[];
  /** The bucket's CORS rules, when it had some (saved copies only). */
  cors?: Array<{ allowedHeaders: string[]; allowedMethods: string[]; allowedOrigins: string[]; exposeHeaders: string[] }>;
}

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  /** backup: `datalayer backup`; saved-objects: what `down` kept of an in-memory S3. */
  kind: 'backup' | 'saved-objects';
  createdAt: string;
  datalayerVersion: string;
  source: ManifestSource;
  database: DatabaseSection | null;
  buckets: BucketSection[];
}

/** A manifest of this archive format, made now. */
export function newManifest(fields: Omit<Manifest, 'format' | 'formatVersion' | 'createdAt'>): Manifest {
  const { kind, ...rest } = fields;
  return { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, kind, createdAt: new Date().toISOString(), ...rest };
}

/** Counts for messages and `--json`. */
export function manifestTotals(manifest: Manifest): { tables: number; rows: number; objects: number; objectBytes: number } {
  const tables = manifest.database?.tables ?? [];
  const objects = manifest.buckets.flatMap((bucket) => bucket.objects);
  return {
    tables: tables.length,
    rows: tables.reduce((sum, table) => sum + table.rows, 0),
    objects: objects.length,
    objectBytes: objects.reduce((sum, object) => sum + object.size, 0),
  };
}

/** Reads a manifest's text, refusing what is not one of ours or is of a newer format. */
export function parseManifest(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not a datalayer archive: its manifest is not JSON.`, { cause: error, hint: 'Pass a file written by `datalayer backup`.' });
  }
  const manifest = value as Partial<Manifest> | null;
  if (!manifest || manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.buckets)) {
    throw new ConfigError(`${file} is not a datalayer archive.`, { hint: 'Pass a file written by `datalayer backup`.' });
  }
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > ARCHIVE_FORMAT_VERSION) {
    throw new ConfigError(`${file} was written in archive format ${String(manifest.formatVersion)}, which this datalayer (format ${ARCHIVE_FORMAT_VERSION}) cannot read.`, {
      hint: `It was made by datalayer ${String(manifest.datalayerVersion)}: restore it with that version or a newer one.`,
    });
  }
  return manifest as Manifest;
}
