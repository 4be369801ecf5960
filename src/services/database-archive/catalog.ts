/**
 * What the migrations made, read from PostgreSQL's catalog: the tables of the current schema (the
 * one Prisma migrates), their columns, the order that makes their rows canonical, the foreign keys
 * that decide the load order, and the sequences.
 */
import type pg from 'pg';

export interface CatalogTable {
  name: string;
  /** Every column COPY can write (generated columns left out), in the table's order. */
  columns: string[];
  /** Primary key columns; empty when the table has none. */
  primaryKey: string[];
  /** Columns whose type has a collation (text-like): ordered byte-wise so every server agrees. */
  collatable: string[];
  /** Other tables this one references (itself left out: one COPY checks its own rows at its end). */
  references: string[];
}

export interface SchemaCatalog {
  schema: string;
  tables: CatalogTable[];
  sequences: string[];
}

export async function readCatalog(client: pg.Client): Promise<SchemaCatalog> {
  const schema = (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
  const tables = await client.query<{ oid: number; name: string }>(
    `SELECT c.oid::int AS oid, c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname COLLATE "C"`,
  );
  const oids = tables.rows.map((row) => row.oid);
  const nameOf = new Map(tables.rows.map((row) => [row.oid, row.name]));
  const columns = await client.query<{ table: number; name: string; collatable: boolean }>(
    `SELECT a.attrelid::int AS table, a.attname AS name, a.attcollation <> 0 AS collatable
       FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const keys = await client.query<{ table: number; name: string }>(
    `SELECT i.indrelid::int AS table, a.attname AS name
       FROM pg_catalog.pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])
      ORDER BY i.indrelid, k.position`,
    [oids],
  );
  const foreignKeys = await client.query<{ table: number; referenced: number }>(
    `SELECT conrelid::int AS table, confrelid::int AS referenced FROM pg_catalog.pg_constraint
      WHERE contype = 'f' AND conrelid = ANY($1::oid[])`,
    [oids],
  );
  const sequences = await client.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'S'
      ORDER BY c.relname COLLATE "C"`,
  );
  return {
    schema,
    tables: tables.rows.map((table) => ({
      name: table.name,
      columns: columns.rows.filter((c) => c.table === table.oid).map((c) => c.name),
      primaryKey: keys.rows.filter((k) => k.table === table.oid).map((k) => k.name),
      collatable: columns.rows.filter((c) => c.table === table.oid && c.collatable).map((c) => c.name),
      references: [
        ...new Set(
          foreignKeys.rows
            .filter((fk) => fk.table === table.oid && fk.referenced !== table.oid)
            .map((fk) => nameOf.get(fk.referenced))
            .filter((name): name is string => name !== undefined),
        ),
      ],
    })),
    sequences: sequences.rows.map((row) => row.name),
  };
}

/**
 * The tables in an order where each comes after the tables it references (ties by name, so the
 * order is the same on every server). Tables that reference each other in a cycle cannot be
 * loaded one after the other with their keys checked: they are returned as `cycle`.
 */
export function loadOrder(tables: readonly CatalogTable[]): { order: CatalogTable[]; cycle: string[] } {
  const remaining = new Map(tables.map((table) => [table.name, table]));
  const order: CatalogTable[] = [];
  for (;;) {
    const ready = [...remaining.values()]
      .filter((table) => table.references.every((name) => !remaining.has(name)))
      .sort((a, b) => compareNames(a.name, b.name));
    if (ready.length === 0) break;
    for (const table of ready) {
      order.push(table);
      remaining.delete(table.name);
    }
  }
  return { order, cycle: [...remaining.keys()].sort(compareNames) };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
