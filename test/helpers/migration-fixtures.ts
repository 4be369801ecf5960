import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A `prisma/migrations` folder shaped like the chainlit-datalayer submodule's: same folder
 * names, same tables and columns, our own SQL.
 */
export const initMigrationName = '20250103173917_init_data_layer';
export const tagsMigrationName = '20250108095538_add_tags_to_thread';
export const chainlitMigrationNames = [initMigrationName, tagsMigrationName] as const;

export const stepTypes = [
  'assistant_message',
  'embedding',
  'llm',
  'retrieval',
  'rerank',
  'run',
  'system_message',
  'tool',
  'undefined',
  'user_message',
] as const;

/**
 * The Chainlit-shaped schema (our own SQL, written from the shape of the data layer's tables) lives
 * once, in the demo host that the README's main job runs; the tests read it from there.
 */
const demoMigrations = fileURLToPath(new URL('../../examples/demo/extern/chainlit-datalayer/prisma/migrations/', import.meta.url));
const demoFile = (relative: string) => readFileSync(join(demoMigrations, relative), 'utf8');

export const initMigrationSql = demoFile(`${initMigrationName}/migration.sql`);
export const tagsMigrationSql = demoFile(`${tagsMigrationName}/migration.sql`);
export const lockFileToml = demoFile('migration_lock.toml');

export const laterMigrationName = '20250301120000_add_archived_to_thread';
export const laterMigrationSql = `ALTER TABLE "Thread" ADD COLUMN "archived" BOOLEAN NOT NULL DEFAULT false;\n`;

export const brokenMigrationName = '20250302120000_broken_feedback_index';
/** Creates a table, then fails: the whole file must roll back as one transaction. */
export const brokenMigrationSql = `CREATE TABLE "Scratch" ("id" INTEGER PRIMARY KEY);
CREATE INDEX "Feedback_missing_idx" ON "Feedback" ("noSuchColumn");
`;

/** Writes `<projectDir>/prisma/migrations` with the two Chainlit migrations; returns that folder. */
export async function writeChainlitMigrations(projectDir: string): Promise<string> {
  const migrationsDir = join(projectDir, 'prisma', 'migrations');
  await mkdir(migrationsDir, { recursive: true });
  await writeFile(join(migrationsDir, 'migration_lock.toml'), lockFileToml);
  await addMigration(migrationsDir, initMigrationName, initMigrationSql);
  await addMigration(migrationsDir, tagsMigrationName, tagsMigrationSql);
  return migrationsDir;
}

const madeProjects: string[] = [];

/** A fresh temp project holding the Chainlit migrations; returns the migrations folder. */
export async function makeMigrationsFolder(): Promise<string> {
  const projectDir = await mkdtemp(join(tmpdir(), 'datalayer-migrations-'));
  madeProjects.push(projectDir);
  return writeChainlitMigrations(projectDir);
}

/** Deletes every project made by makeMigrationsFolder in this test file (call from afterAll). */
export async function removeMigrationsFolders(): Promise<void> {
  const dirs = madeProjects.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function addMigration(migrationsDir: string, name: string, sql: string): Promise<string> {
  await mkdir(join(migrationsDir, name), { recursive: true });
  const sqlPath = join(migrationsDir, name, 'migration.sql');
  await writeFile(sqlPath, sql);
  return sqlPath;
}

export async function addLaterMigration(migrationsDir: string): Promise<string> {
  await addMigration(migrationsDir, laterMigrationName, laterMigrationSql);
  return laterMigrationName;
}

export async function addBrokenMigration(migrationsDir: string): Promise<string> {
  await addMigration(migrationsDir, brokenMigrationName, brokenMigrationSql);
  return brokenMigrationName;
}
