import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConfigError, NotReadyError } from '../../support/errors.js';
import { connectOrExplain } from '../postgres/connect.js';
import { readMigrationsFolder, type MigrationFile, type MigrationsFolder } from './folder.js';
import { createLedger, ledgerExists, ledgerTable, otherRelations, recordFailure, recordFinished, recordStarted } from './ledger.js';
import { acquireMigrationLock, releaseMigrationLock } from './lock.js';
import { migrationStatus, type MigrationStatus } from './status.js';

export interface ApplyMigrationsOptions {
  /** Host-side DATABASE_URL. */
  url: string;
  /** The `prisma/migrations` folder. */
  migrationsDir: string;
  /** Checked between migrations: a migration that has started always runs to its end. */
  signal?: AbortSignal;
  /** Called just before each migration runs. */
  onApply?: (name: string) => void;
  /** How long to wait for Prisma's advisory lock (Prisma itself waits 10 s). */
  lockTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** An open connection to the database of `url`, whose login was just proved: used, not ended. */
  client?: pg.Client;
  /** The folder, already being read (while the login was under way). */
  folder?: Promise<MigrationsFolder>;
}

export interface ApplyMigrationsResult {
  /** Applied by this run, in order. */
  applied: string[];
  /** Already in the ledger before this run. */
  alreadyApplied: string[];
  /** In the ledger but not in the folder; left alone. */
  databaseOnly: string[];
  /** Applied earlier, but their migration.sql changed since: a warning, not an error. */
  modifiedAfterApply: string[];
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does, writing the same ledger, so
 * either tool can run next. One connection holds Prisma's advisory lock for the whole run.
 */
export async function applyPendingMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const folder = await (options.folder ?? readMigrationsFolder(options.migrationsDir));
  const client = options.client ?? (await connectOrExplain(options.url, { connectTimeoutMs: options.connectTimeoutMs }));
  try {
    // A schema that is up to date needs no lock: reading the ledger changes nothing, and this keeps
    // `up` on a running stack quick. Anything to apply (or to refuse) is decided again under the lock.
    const before = await migrationStatus(client, folder);
    if (before.ledgerExists && before.pending.length === 0 && before.failed.length === 0) {
      return { applied: [], alreadyApplied: before.applied, databaseOnly: before.databaseOnly, modifiedAfterApply: before.modifiedAfterApply };
    }
    await acquireMigrationLock(client, { timeoutMs: options.lockTimeoutMs, signal: options.signal });
    try {
      return await applyUnderLock(client, folder, options);
    } finally {
      // If the connection broke, releasing fails too, but the session lock died with it.
      await releaseMigrationLock(client).catch(() => undefined);
    }
  } finally {
    // The outcome is already decided; a close error adds nothing.
    if (client !== options.client) await client.end().catch(() => undefined);
  }
}

async function applyUnderLock(
  client: pg.Client,
  folder: MigrationsFolder,
  options: ApplyMigrationsOptions,
): Promise<ApplyMigrationsResult> {
  if (!(await ledgerExists(client))) {
    await refuseNonEmptyDatabase(client);
    await createLedger(client);
  }
  const status = await migrationStatus(client, folder);
  const failed = status.failed[0];
  if (failed) {
    throw new ConfigError(`Migration ${failed.name} failed earlier and is recorded as unfinished; nothing applied.`, {
      hint:
        `Fix the database (and the migration if needed), then mark it rolled back with ` +
        `\`npx prisma migrate resolve --rolled-back ${failed.name}\` (or delete its row from ${ledgerTable}) and run again.`,
      data: { migration: failed.name, logs: failed.logs },
    });
  }
  const pending = new Set(status.pending);
  const applied: string[] = [];
  for (const migration of folder.migrations.filter((m) => pending.has(m.name))) {
    if (options.signal?.aborted) throw options.signal.reason;
    options.onApply?.(migration.name);
    await applyOne(client, migration);
    applied.push(migration.name);
  }
  return {
    applied,
    alreadyApplied: status.applied,
    databaseOnly: status.databaseOnly,
    modifiedAfterApply: status.modifiedAfterApply,
  };
}

export interface ReadStatusOptions {
  url: string;
  migrationsDir: string;
  connectTimeoutMs?: number;
}

/** The ledger compared with the folder, without changing anything (`migrate --status`, `status`). */
export async function readMigrationStatus(options: ReadStatusOptions): Promise<MigrationStatus> {
  const folder = await readMigrationsFolder(options.migrationsDir);
  const client = await connectOrExplain(options.url, { connectTimeoutMs: options.connectTimeoutMs });
  try {
    return await migrationStatus(client, folder);
  } finally {
    await client.end().catch(() => undefined); // read-only: nothing to undo if closing fails
  }
}

/** Prisma's P3005: a schema with tables but no migration history is not ours to migrate. */
async function refuseNonEmptyDatabase(client: pg.Client): Promise<void> {
  const relations = await otherRelations(client);
  if (relations.length === 0) return;
  const shown = relations.slice(0, 5).join(', ') + (relations.length > 5 ? ', ...' : '');
  throw new ConfigError(`The database is not empty (${shown}) and has no ${ledgerTable} table; nothing applied.`, {
    hint:
      'Point DATABASE_URL at an empty database, or, if it already holds this schema, baseline it with ' +
      '`npx prisma migrate resolve --applied <migration>` for each migration already present.',
    data: { relations },
  });
}

/**
 * The ledger row is written in the migration's own transaction, with the same values Prisma
 * writes: a server that dies or a datalayer that is interrupted mid-migration leaves neither the
 * migration's changes nor a row claiming it started, so the next run applies it again instead of
 * stopping at a "failed" migration whose SQL never committed. An SQL error still leaves Prisma's
 * failed row, with the error in `logs`.
 */
async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await recordStarted(client, { id, checksum: migration.checksum, migrationName: migration.name });
    // One simple query: the server runs the whole file inside this transaction.
    await client.query(migration.script);
    await recordFinished(client, id);
    await client.query('COMMIT');
  } catch (error) {
    if (connectionLost(error)) throw interruptedMigration(migration.name, error);
    const ledgerNote = await recordFailedMigration(client, { id, migration, logs: failureLog(migration.name, error) });
    throw new ConfigError(`Migration ${migration.name} failed: ${databaseErrorLine(error)}${ledgerNote}`, {
      hint:
        `Fix the migration or the database, then mark it rolled back with ` +
        `\`npx prisma migrate resolve --rolled-back ${migration.name}\` (or delete its row from ${ledgerTable}) and run again.`,
      data: { migration: migration.name },
      cause: error,
    });
  }
}

/** Rolls the attempt back and writes Prisma's failed row; returns a note when the ledger could not be written. */
async function recordFailedMigration(
  client: pg.Client,
  failed: { id: string; migration: MigrationFile; logs: string },
): Promise<string> {
  try {
    await client.query('ROLLBACK');
    // A migration that commits by itself may have committed the row already.
    const present = await client.query(`SELECT 1 FROM ${ledgerTable} WHERE id = $1`, [failed.id]);
    if (present.rowCount === 0) {
      await recordStarted(client, { id: failed.id, checksum: failed.migration.checksum, migrationName: failed.migration.name });
    }
    await recordFailure(client, failed.id, failed.logs);
    return '';
  } catch (ledgerError) {
    return ` (the error could not be written to ${ledgerTable}: ${(ledgerError as Error).message})`;
  }
}

/** No SQLSTATE (the socket closed), a connection exception (08) or an operator shutdown (57P01-57P03). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || /^(08|57P0[1-3])/.test(code);
}

function interruptedMigration(name: string, error: unknown): NotReadyError {
  return new NotReadyError(
    `PostgreSQL went away while migration ${name} ran (${databaseErrorLine(error)}); nothing of it was committed.`,
    {
      hint: 'Check why the server stopped (`datalayer logs postgres` for a local stack), then run the command again: the migration is still pending.',
      data: { service: 'postgres', migration: name },
      cause: error,
    },
  );
}

interface DatabaseErrorFields {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

function databaseErrorLine(error: unknown): string {
  const fields = error as DatabaseErrorFields;
  const message = fields.message ?? String(error);
  return fields.code ? `${message} (SQLSTATE ${fields.code})` : message;
}

/** What goes into the ledger's `logs` column, for whoever investigates later. */
function failureLog(name: string, error: unknown): string {
  const fields = error as DatabaseErrorFields;
  const lines = [`Migration ${name} failed to apply.`, '', `Database error: ${fields.message ?? String(error)}`];
  if (fields.code) lines.push(`SQLSTATE: ${fields.code}`);
  if (fields.detail) lines.push(`Detail: ${fields.detail}`);
  if (fields.hint) lines.push(`Hint: ${fields.hint}`);
  if (fields.position) lines.push(`Position in migration.sql: character ${fields.position}`);
  return lines.join('\n');
}
