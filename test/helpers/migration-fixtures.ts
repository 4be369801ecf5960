import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

const timestamps = `"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP`;

export const initMigrationSql = `-- Chainlit data layer: people, conversations, their steps, attached files and ratings.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TYPE "StepType" AS ENUM (${stepTypes.map((value) => `'${value}'`).join(', ')});

CREATE TABLE "User" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    ${timestamps},
    "identifier" TEXT NOT NULL,
    "metadata" JSONB NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_identifier_key" ON "User" ("identifier");

CREATE TABLE "Thread" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    ${timestamps},
    "deletedAt" TIMESTAMP(3),
    "name" TEXT,
    "metadata" JSONB NOT NULL,
    "userId" UUID,
    CONSTRAINT "Thread_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Thread_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "Thread_createdAt_idx" ON "Thread" ("createdAt");
CREATE INDEX "Thread_userId_idx" ON "Thread" ("userId");

CREATE TABLE "Step" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    ${timestamps},
    "parentId" UUID,
    "threadId" UUID,
    "input" TEXT,
    "metadata" JSONB NOT NULL,
    "name" TEXT,
    "output" TEXT,
    "type" "StepType" NOT NULL,
    "showInput" TEXT DEFAULT 'json',
    "isError" BOOLEAN DEFAULT false,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Step_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Step_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Step_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "Step_threadId_idx" ON "Step" ("threadId");
CREATE INDEX "Step_parentId_idx" ON "Step" ("parentId");

CREATE TABLE "Element" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    ${timestamps},
    "threadId" UUID,
    "stepId" UUID NOT NULL,
    "metadata" JSONB NOT NULL,
    "mime" TEXT,
    "name" TEXT NOT NULL,
    "objectKey" TEXT,
    "url" TEXT,
    "chainlitKey" TEXT,
    "display" TEXT,
    "size" TEXT,
    "language" TEXT,
    "page" INTEGER,
    "props" JSONB,
    CONSTRAINT "Element_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Element_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Thread" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Element_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "Element_stepId_idx" ON "Element" ("stepId");
CREATE INDEX "Element_threadId_idx" ON "Element" ("threadId");

CREATE TABLE "Feedback" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    ${timestamps},
    "stepId" UUID,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "comment" TEXT,
    CONSTRAINT "Feedback_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Feedback_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "Feedback_stepId_idx" ON "Feedback" ("stepId");
`;

export const tagsMigrationSql = `-- Threads can carry free-form tags.
ALTER TABLE "Thread" ADD COLUMN "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];
`;

export const lockFileToml = `# Written by the migration tool; keep it under version control.
provider = "postgresql"
`;

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
