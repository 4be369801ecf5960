/**
 * Reads every table of the migrated schema into staged COPY files, in one read-only snapshot
 * (REPEATABLE READ): a chat written while the backup runs is either wholly in it or not at all.
 */
import type pg from 'pg';
import { ConfigError } from '../../support/errors.js';
import type { Staging } from '../archive/staging.js';
import type { DatabaseSection, LedgerEntry, SequenceEntry, TableEntry } from '../archive/manifest.js';
import { ledgerTable } from '../migrations/ledger.js';
import { loadOrder, quoteIdentifier, readCatalog } from './catalog.js';
import { copyTableOut, orderByOf, useCanonicalSettings } from './canonical-copy.js';

export interface DumpProgress {
  table: string;
  done: number;
  total: number;
  rows: number;
}

export interface DumpResult {
  section: DatabaseSection;
  schema: string;
  serverVersion: string;
  database: string;
}

export async function dumpDatabase(client: pg.Client, staging: Staging, onTable?: (progress: DumpProgress) => void): Promise<DumpResult> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await useCanonicalSettings(client);
    const info = (await client.query<{ version: string; database: string }>('SELECT current_setting($1) AS version, current_database() AS database', ['server_version'])).rows[0];
    const catalog = await readCatalog(client);
    if (!catalog.tables.some((table) => table.name === ledgerTable)) {
      throw new ConfigError(`The database has no ${ledgerTable} table: its schema was not made by the migrations.`, {
        hint: 'Run `datalayer up` (or `datalayer migrate`) first; a backup holds the schema the migrations made.',
      });
    }
    const { order, cycle } = loadOrder(catalog.tables);
    if (cycle.length > 0) throw cycleError(cycle);
    const tables: TableEntry[] = [];
    let rows = 0;
    for (const [index, table] of order.entries()) {
      const file = `tables/${String(index).padStart(3, '0')}.copy`;
      const digest = await copyTableOut(client, catalog.schema, table, await staging.writer(file));
      tables.push({ name: table.name, file, columns: table.columns, orderBy: orderByOf(table), ...digest });
      rows += digest.rows;
      onTable?.({ table: table.name, done: index + 1, total: order.length, rows });
    }
    const sequences = await readSequences(client, catalog.schema, catalog.sequences);
    const ledger = await readLedgerEntries(client);
    await client.query('COMMIT');
    return { section: { tables, sequences, ledger }, schema: catalog.schema, serverVersion: info?.version ?? '', database: info?.database ?? '' };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined); // read-only: nothing to undo; the first error is the one to report
    throw error;
  }
}

export function cycleError(cycle: string[]): ConfigError {
  return new ConfigError(`Tables ${cycle.join(', ')} reference each other in a cycle; datalayer cannot order them for a restore.`, {
    hint: 'Back this database up with pg_dump instead.',
  });
}

async function readSequences(client: pg.Client, schema: string, names: string[]): Promise<SequenceEntry[]> {
  const sequences: SequenceEntry[] = [];
  for (const name of names) {
    const row = (await client.query<{ last: string; called: boolean }>(`SELECT last_value::text AS last, is_called AS called FROM ${quoteIdentifier(schema)}.${quoteIdentifier(name)}`)).rows[0];
    if (row) sequences.push({ name, lastValue: row.last, isCalled: row.called });
  }
  return sequences;
}

/** The ledger as it is, every column, timestamps in UTC ISO form. */
export async function readLedgerEntries(client: pg.Client): Promise<LedgerEntry[]> {
  const result = await client.query<{
    id: string;
    checksum: string;
    migration_name: string;
    started_at: string;
    finished_at: string | null;
    rolled_back_at: string | null;
    applied_steps_count: number;
    logs: string | null;
  }>(
    `SELECT id, checksum, migration_name, logs, applied_steps_count,
            to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS finished_at,
            to_char(rolled_back_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS rolled_back_at
       FROM ${ledgerTable} ORDER BY started_at, migration_name COLLATE "C", id`,
  );
  return result.rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    migrationName: row.migration_name,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    rolledBackAt: row.rolled_back_at,
    appliedStepsCount: row.applied_steps_count,
    logs: row.logs,
  }));
}
