import type pg from 'pg';

/** One row of Prisma's `_prisma_migrations` table. */
export interface LedgerRow {
  id: string;
  checksum: string;
  finishedAt: Date | null;
  migrationName: string;
  logs: string | null;
  rolledBackAt: Date | null;
  startedAt: Date;
  appliedStepsCount: number;
}

export const ledgerTable = '_prisma_migrations';

/** Whether the ledger exists in the schema the connection resolves unqualified names in. */
export async function ledgerExists(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [ledgerTable]);
  return result.rows[0]?.found != null;
}

/** Tables, views and sequences of the current schema other than the ledger (Prisma refuses P3005 if any). */
export async function otherRelations(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema()
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND c.relname <> $1
      ORDER BY c.relname`,
    [ledgerTable],
  );
  return result.rows.map((row) => row.name);
}

/** Creates the ledger with exactly Prisma's columns, so `prisma migrate` accepts it later. */
export async function createLedger(client: pg.Client): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${ledgerTable} (
       id                  VARCHAR(36) PRIMARY KEY NOT NULL,
       checksum            VARCHAR(64) NOT NULL,
       finished_at         TIMESTAMPTZ,
       migration_name      VARCHAR(255) NOT NULL,
       logs                TEXT,
       rolled_back_at      TIMESTAMPTZ,
       started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
       applied_steps_count INTEGER NOT NULL DEFAULT 0
     )`,
  );
}

/** A row of the ledger table as Prisma writes it, column by column. */
export interface LedgerTableRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export async function readLedger(client: pg.Client): Promise<LedgerRow[]> {
  const result = await client.query<LedgerTableRow>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM ${ledgerTable} ORDER BY started_at, migration_name`,
  );
  return result.rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    finishedAt: row.finished_at,
    migrationName: row.migration_name,
    logs: row.logs,
    rolledBackAt: row.rolled_back_at,
    startedAt: row.started_at,
    appliedStepsCount: row.applied_steps_count,
  }));
}

export async function recordStarted(
  client: pg.Client,
  row: { id: string; checksum: string; migrationName: string },
): Promise<void> {
  await client.query(
    `INSERT INTO ${ledgerTable} (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`,
    [row.id, row.checksum, row.migrationName],
  );
}

/** clock_timestamp(): the row is finished inside the migration's transaction, where now() is its start. */
export async function recordFinished(client: pg.Client, id: string): Promise<void> {
  await client.query(
    `UPDATE ${ledgerTable}
        SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1
      WHERE id = $1`,
    [id],
  );
}

export async function recordFailure(client: pg.Client, id: string, logs: string): Promise<void> {
  await client.query(`UPDATE ${ledgerTable} SET logs = $2 WHERE id = $1`, [id, logs]);
}

/** A failed row: started, never finished, not marked rolled back (Prisma's P3009 condition). */
export function isFailed(row: LedgerRow): boolean {
  return row.finishedAt === null && row.rolledBackAt === null;
}
