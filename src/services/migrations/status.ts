import type pg from 'pg';
import { checksumMatches } from './checksum.js';
import type { MigrationsFolder } from './folder.js';
import { isFailed, ledgerExists, readLedger, type LedgerRow } from './ledger.js';

export interface FailedMigration {
  name: string;
  /** The error recorded when it failed, if any. */
  logs: string | null;
}

export interface MigrationStatus {
  /** Whether `_prisma_migrations` exists yet. */
  ledgerExists: boolean;
  /** Folder migrations finished and not rolled back, in folder order. */
  applied: string[];
  /** In the folder, not (successfully or not) in the ledger: what a deploy would apply, ascending. */
  pending: string[];
  /** Started but never finished nor rolled back: Prisma refuses to deploy while any exist. */
  failed: FailedMigration[];
  /** In the ledger but not in the folder; reported, never touched. */
  databaseOnly: string[];
  /** Applied, but migration.sql no longer matches the checksum stored when it was applied. */
  modifiedAfterApply: string[];
}

/** Reads the ledger (if any) and compares it with the folder. Changes nothing. */
export async function migrationStatus(client: pg.Client, folder: MigrationsFolder): Promise<MigrationStatus> {
  const exists = await ledgerExists(client);
  const rows = exists ? await readLedger(client) : [];
  return { ledgerExists: exists, ...compareLedger(rows, folder) };
}

/** The pure part of the status: ledger rows against folder contents. */
export function compareLedger(rows: readonly LedgerRow[], folder: MigrationsFolder): Omit<MigrationStatus, 'ledgerExists'> {
  const live = rows.filter((row) => row.rolledBackAt === null);
  const recorded = new Set(live.map((row) => row.migrationName));
  const finished = new Map<string, LedgerRow>();
  for (const row of live) if (row.finishedAt !== null) finished.set(row.migrationName, row);

  const folderNames = new Set(folder.migrations.map((migration) => migration.name));
  const applied = folder.migrations.filter((m) => finished.has(m.name)).map((m) => m.name);
  const databaseOnly = unique(live.map((row) => row.migrationName).filter((name) => !folderNames.has(name)));
  const modifiedAfterApply = folder.migrations
    .filter((m) => {
      const row = finished.get(m.name);
      return row !== undefined && !checksumMatches(m.script, row.checksum);
    })
    .map((m) => m.name);
  return {
    applied,
    pending: folder.migrations.filter((m) => !recorded.has(m.name)).map((m) => m.name),
    failed: live.filter(isFailed).map((row) => ({ name: row.migrationName, logs: row.logs })),
    databaseOnly,
    modifiedAfterApply,
  };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
