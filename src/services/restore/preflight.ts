/**
 * Everything a restore checks before it changes anything: the archive is a backup, the target's
 * schema is the one the archive's rows were made for (same migrations, same tables and columns),
 * and what the target already holds (rows, objects), which only `--replace` may overwrite.
 */
import type pg from 'pg';
import { ConfigError } from '../../support/errors.js';
import type { Manifest } from '../archive/manifest.js';
import { loadOrder, readCatalog, type SchemaCatalog } from '../database-archive/catalog.js';
import { cycleError, readLedgerEntries } from '../database-archive/dump.js';
import { compareLedgers, describeDifference, ledgersMatch } from '../database-archive/ledger-match.js';
import { schemaDifferences, tablesWithRows } from '../database-archive/load.js';
import { ledgerTable } from '../migrations/ledger.js';

export interface TargetDatabase {
  catalog: SchemaCatalog;
  /** Rows by table (the ledger left out), for the tables that have any. */
  rows: Record<string, number>;
}

export async function inspectTargetDatabase(client: pg.Client, manifest: Manifest, file: string): Promise<TargetDatabase> {
  const section = manifest.database;
  if (manifest.kind !== 'backup' || !section) {
    throw new ConfigError(`${file} is not a backup (it is a ${manifest.kind} archive).`, { hint: 'Pass a file written by `datalayer backup`.' });
  }
  const catalog = await readCatalog(client);
  if (!catalog.tables.some((table) => table.name === ledgerTable)) {
    throw new ConfigError(`The target database has no ${ledgerTable} table: its schema has not been made yet. Nothing was changed.`, {
      hint: 'Run `datalayer up` (or `datalayer migrate`) for the target first: a restore fills a migrated, empty database.',
    });
  }
  const difference = compareLedgers(section.ledger, await readLedgerEntries(client));
  if (!ledgersMatch(difference)) {
    const { message, hint } = describeDifference(difference);
    throw new ConfigError(message, { hint, data: { migrations: difference } });
  }
  const problems = schemaDifferences(catalog, section);
  if (problems.length > 0) {
    throw new ConfigError(`The target's tables differ from the archive's although the same migrations were applied: ${problems.join('; ')}. Nothing was changed.`, {
      hint: 'The target (or the archive\'s database) was changed by hand; restore into a stack made by `datalayer up` alone.',
      data: { problems },
    });
  }
  const { cycle } = loadOrder(catalog.tables);
  if (cycle.length > 0) throw cycleError(cycle);
  assertArchiveOrderFits(catalog, section.tables.map((table) => table.name));
  return { catalog, rows: await tablesWithRows(client, catalog) };
}

/** Tables are loaded in the archive's order; each must come after the tables it references in the target. */
function assertArchiveOrderFits(catalog: SchemaCatalog, archiveOrder: string[]): void {
  const position = new Map(archiveOrder.map((name, index) => [name, index]));
  for (const table of catalog.tables) {
    const late = table.references.filter((name) => (position.get(name) ?? -1) > (position.get(table.name) ?? -1));
    if (late.length > 0) {
      throw new ConfigError(`The archive loads "${table.name}" before ${late.map((name) => `"${name}"`).join(', ')}, which it references in the target. Nothing was changed.`, {
        hint: 'The target\'s foreign keys differ from the archive\'s database; restore into a stack made by `datalayer up` alone.',
      });
    }
  }
}
