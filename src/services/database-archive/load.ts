/**
 * Puts an archive's tables into the target in one transaction: emptied (with replace) or the
 * ledger alone swapped for the archive's identical rows, each table loaded with COPY in foreign-key
 * order, sequences set, then every table read back in canonical form and compared with the
 * manifest. Nothing is visible to anyone until the caller commits; a failure, a lost connection
 * or a killed datalayer leaves the database exactly as it was.
 */
import type pg from 'pg';
import { ConfigError, RefusedError } from '../../support/errors.js';
import type { ArchiveEntry } from '../archive/read-archive.js';
import type { DatabaseSection, TableEntry } from '../archive/manifest.js';
import { ledgerTable } from '../migrations/ledger.js';
import { quoteIdentifier, readCatalog, type CatalogTable, type SchemaCatalog } from './catalog.js';
import { copyTableIn, copyTableOut, orderByOf, useCanonicalSettings } from './canonical-copy.js';

/** Prisma's advisory lock: no `prisma migrate` or `datalayer migrate` runs while the ledger is swapped. */
const MIGRATION_LOCK_KEY = 72707369;

/** Tables whose columns or order differ from the archive's, as sentences; empty when they fit. */
export function schemaDifferences(catalog: SchemaCatalog, section: DatabaseSection): string[] {
  const problems: string[] = [];
  const target = new Map(catalog.tables.map((table) => [table.name, table]));
  for (const table of section.tables) {
    const found = target.get(table.name);
    if (!found) {
      problems.push(`table "${table.name}" is not in the target`);
      continue;
    }
    const missing = table.columns.filter((column) => !found.columns.includes(column));
    const extra = found.columns.filter((column) => !table.columns.includes(column));
    if (missing.length > 0) problems.push(`"${table.name}" has no column ${missing.map((c) => `"${c}"`).join(', ')} in the target`);
    if (extra.length > 0) problems.push(`"${table.name}" has column ${extra.map((c) => `"${c}"`).join(', ')} only in the target`);
    if (missing.length === 0 && orderByOf(found).join() !== table.orderBy.join()) problems.push(`"${table.name}" has another primary key in the target`);
  }
  const archived = new Set(section.tables.map((table) => table.name));
  for (const table of catalog.tables) if (!archived.has(table.name)) problems.push(`table "${table.name}" is only in the target`);
  return problems;
}

/** Rows of every table but the ledger, by table, for the tables that have any. */
export async function tablesWithRows(client: pg.Client, catalog: SchemaCatalog): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of catalog.tables) {
    if (table.name === ledgerTable) continue;
    const row = (await client.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${qualified(catalog.schema, table.name)}`)).rows[0];
    const count = Number(row?.count ?? 0);
    if (count > 0) counts[table.name] = count;
  }
  return counts;
}

export interface LoadOptions {
  replace: boolean;
  signal?: AbortSignal;
  onTable?: (table: string, done: number, total: number) => void;
}

/**
 * An open transaction holding the loaded, verified tables: `commit` makes them visible,
 * `rollback` (or a dropped connection) leaves the database as it was.
 */
export interface PendingDatabase {
  rows: number;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export async function loadDatabase(
  client: pg.Client,
  section: DatabaseSection,
  nextEntry: () => Promise<ArchiveEntry | undefined>,
  options: LoadOptions,
): Promise<PendingDatabase> {
  await client.query('BEGIN');
  const rollback = async () => {
    await client.query('ROLLBACK');
  };
  try {
    await client.query(`SELECT set_config('lock_timeout', '10s', true), pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await useCanonicalSettings(client);
    const catalog = await readCatalog(client);
    await emptyTarget(client, catalog, options.replace);
    const byName = new Map(catalog.tables.map((table) => [table.name, table]));
    let rows = 0;
    for (const [index, table] of section.tables.entries()) {
      if (options.signal?.aborted) throw options.signal.reason;
      const entry = await nextEntry();
      if (!entry || entry.name !== table.file) {
        throw new ConfigError(`The archive is damaged: expected ${table.file} (table "${table.name}"), found ${entry?.name ?? 'the end of the file'}.`);
      }
      rows += await copyTableIn(client, catalog.schema, table, entry.stream);
      options.onTable?.(table.name, index + 1, section.tables.length);
    }
    await setSequences(client, catalog.schema, section);
    await verifyTables(client, catalog.schema, section.tables, byName);
    return { rows, commit: async () => void (await client.query('COMMIT')), rollback };
  } catch (error) {
    await rollback().catch(() => undefined); // the connection may be gone, which rolls back too; the first error is the one to report
    throw error;
  }
}

/** Inside the transaction, so nothing written between the check and the load is lost. */
async function emptyTarget(client: pg.Client, catalog: SchemaCatalog, replace: boolean): Promise<void> {
  if (replace) {
    await client.query(`TRUNCATE ${catalog.tables.map((table) => qualified(catalog.schema, table.name)).join(', ')}`);
    return;
  }
  const filled = await tablesWithRows(client, catalog);
  if (Object.keys(filled).length > 0) {
    throw new RefusedError(`Rows were written to ${Object.keys(filled).join(', ')} while the restore started; nothing was changed.`, {
      hint: 'Stop the app that writes to this database, then run the restore again (with --replace to overwrite).',
    });
  }
  // The target's ledger lists the same migrations (checked before); the archive's rows replace it as they were.
  await client.query(`DELETE FROM ${qualified(catalog.schema, ledgerTable)}`);
}

async function setSequences(client: pg.Client, schema: string, section: DatabaseSection): Promise<void> {
  for (const sequence of section.sequences) {
    await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [qualified(schema, sequence.name), sequence.lastValue, sequence.isCalled]);
  }
}

async function verifyTables(client: pg.Client, schema: string, tables: readonly TableEntry[], catalog: Map<string, CatalogTable>): Promise<void> {
  for (const table of tables) {
    const target = catalog.get(table.name);
    if (!target) throw new ConfigError(`Table "${table.name}" is not in the target.`);
    const digest = await copyTableOut(client, schema, { ...target, columns: table.columns });
    if (digest.rows !== table.rows || digest.sha256 !== table.sha256) {
      throw new ConfigError(
        `Table "${table.name}" did not come back identical (${digest.rows} rows, the archive has ${table.rows}${digest.sha256 !== table.sha256 ? '; checksums differ' : ''}); nothing was changed.`,
        { hint: 'The archive may be damaged, or the target converts values differently (another server major or extension version).' },
      );
    }
  }
}

function qualified(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}
