import { openPostgresClient, passwordOf, classifyPostgresError, postgresFailureError } from './connect.js';

/**
 * Creates the database a URL names when the server lacks it, logged in with the URL's own
 * credentials to the `postgres` maintenance database (as `createdb` does). Returns its name.
 * For the local stack only: the official image creates POSTGRES_DB on its first start alone, so a
 * POSTGRES_DB changed later would otherwise never exist.
 */
export async function createMissingDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  let client;
  try {
    client = await openPostgresClient(maintenance.toString());
  } catch (error) {
    throw postgresFailureError(classifyPostgresError(error, passwordOf(url)), maintenance.toString());
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return name;
  } finally {
    await client.end();
  }
}
