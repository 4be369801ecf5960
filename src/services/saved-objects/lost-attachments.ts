/**
 * Attachments the chat history points at (`Element."objectKey"`) that are in neither the running
 * bucket nor the saved copy: uploaded after the last `datalayer down`, they were only in the S3's
 * memory when it stopped behind datalayer's back. Nothing can bring them back; status says which.
 */
import type pg from 'pg';

/**
 * The object keys of the chat history's Elements; none before the schema has them. Read on the
 * caller's connection: `status` has one open already for the migration ledger.
 */
export async function referencedObjectKeys(client: pg.Client): Promise<string[]> {
  const found = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass('"Element"') AND attname = 'objectKey' AND NOT attisdropped) AS found`,
  );
  if (!found.rows[0]?.found) return [];
  return (await client.query<{ key: string }>(`SELECT DISTINCT "objectKey" AS key FROM "Element" WHERE "objectKey" IS NOT NULL AND "objectKey" <> ''`)).rows.map((row) => row.key);
}

/** `referenced`: from referencedObjectKeys; `present`: the keys the running bucket holds (empty when the bucket itself is gone). */
export async function lostAttachments(referenced: readonly string[], present: () => Promise<ReadonlySet<string>>, savedKeys: ReadonlySet<string>): Promise<string[]> {
  if (referenced.length === 0) return [];
  const inBucket = await present();
  return referenced.filter((key) => !inBucket.has(key) && !savedKeys.has(key)).sort();
}
