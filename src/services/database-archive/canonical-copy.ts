/**
 * The canonical serialisation of a table: PostgreSQL's COPY text of its rows, ordered by primary
 * key, in session settings fixed here. Two servers holding the same rows give the same bytes, so
 * one SHA-256 proves a table came back whole (backup on Docker, restore on native, or back).
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { quoteIdentifier, type CatalogTable } from './catalog.js';

/**
 * Output that depends on settings rather than on the data: time zone (timestamptz), date and
 * interval styles, float digits, bytea form. Set for the transaction only.
 */
export async function useCanonicalSettings(client: pg.Client): Promise<void> {
  await client.query(
    `SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),
            set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '1', true),
            set_config('bytea_output', 'hex', true)`,
  );
}

/** How rows are ordered: the primary key (text compared byte-wise), else the whole row's text. */
export function orderByOf(table: Pick<CatalogTable, 'primaryKey' | 'collatable'>): string[] {
  if (table.primaryKey.length === 0) return ['(t.*)::text COLLATE "C"'];
  return table.primaryKey.map((column) => `t.${quoteIdentifier(column)}${table.collatable.includes(column) ? ' COLLATE "C"' : ''}`);
}

export function copyOutSql(schema: string, table: Pick<CatalogTable, 'name' | 'columns' | 'primaryKey' | 'collatable'>): string {
  const columns = table.columns.map((column) => `t.${quoteIdentifier(column)}`).join(', ');
  return `COPY (SELECT ${columns} FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table.name)} AS t ORDER BY ${orderByOf(table).join(', ')}) TO STDOUT`;
}

export function copyInSql(schema: string, table: { name: string; columns: string[] }): string {
  return `COPY ${quoteIdentifier(schema)}.${quoteIdentifier(table.name)} (${table.columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
}

export interface TableDigest {
  rows: number;
  bytes: number;
  sha256: string;
}

/** Streams the canonical COPY text into `sink` (or nowhere), hashing and counting it. */
export async function copyTableOut(client: pg.Client, schema: string, table: CatalogTable, sink?: Writable): Promise<TableDigest> {
  const stream = client.query(copyStreams.to(copyOutSql(schema, table)));
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!sink) return done();
      if (sink.write(chunk)) done();
      else sink.once('drain', () => done());
    },
    final(done) {
      if (!sink) return done();
      sink.end(() => done());
    },
  });
  await pipeline(stream, counter);
  return { rows: stream.rowCount, bytes, sha256: hash.digest('hex') };
}

/** Loads COPY text into the table (in the caller's transaction); returns the rows written. */
export async function copyTableIn(client: pg.Client, schema: string, table: { name: string; columns: string[] }, source: NodeJS.ReadableStream): Promise<number> {
  const stream = client.query(copyStreams.from(copyInSql(schema, table)));
  await pipeline(source, stream);
  return stream.rowCount;
}
