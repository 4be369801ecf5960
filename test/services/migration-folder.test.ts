import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/support/errors.js';
import { checksumMatches, migrationChecksum } from '../../src/services/migrations/checksum.js';
import { parseLockProvider, readMigrationsFolder } from '../../src/services/migrations/folder.js';
import { compareLedger } from '../../src/services/migrations/status.js';
import type { LedgerRow } from '../../src/services/migrations/ledger.js';
import { addMigration, chainlitMigrationNames, makeMigrationsFolder, removeMigrationsFolders } from '../helpers/migration-fixtures.js';

afterAll(removeMigrationsFolders);

describe('readMigrationsFolder', () => {
  it('lists migration folders in name order with the sha256 of each file', async () => {
    const dir = await makeMigrationsFolder();
    await addMigration(dir, '20240101000000_earliest', 'SELECT 1;\n');
    const folder = await readMigrationsFolder(dir);
    expect(folder.lockProvider).toBe('postgresql');
    expect(folder.migrations.map((m) => m.name)).toEqual(['20240101000000_earliest', ...chainlitMigrationNames]);
    for (const migration of folder.migrations) {
      const bytes = await readFile(join(dir, migration.name, 'migration.sql'));
      expect(migration.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(migration.script).toBe(bytes.toString('utf8'));
    }
  });

  it('refuses a lock file for another provider (exit 3)', async () => {
    const dir = await makeMigrationsFolder();
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
    const error = await readMigrationsFolder(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('mysql');
  });

  it('refuses a migration folder without migration.sql (exit 3)', async () => {
    const dir = await makeMigrationsFolder();
    await mkdir(join(dir, '20250201000000_empty'));
    await expect(readMigrationsFolder(dir)).rejects.toThrow(/20250201000000_empty has no migration.sql/);
  });

  it('refuses a missing folder (exit 3)', async () => {
    const error = await readMigrationsFolder('/nonexistent/prisma/migrations').catch((caught: unknown) => caught);
    expect((error as ConfigError).exitCode).toBe(3);
  });

  it.each([
    ['provider = "postgresql"\n', 'postgresql'],
    ['# comment\nprovider="sqlite"', 'sqlite'],
    ["  provider = 'postgresql'", 'postgresql'],
    ['# nothing here\n', ''],
  ])('parseLockProvider(%j) = %j', (toml, provider) => {
    expect(parseLockProvider(toml)).toBe(provider);
  });
});

describe('checksums', () => {
  const script = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';

  it('is 64 lowercase hex characters of sha256', () => {
    expect(migrationChecksum(script)).toMatch(/^[0-9a-f]{64}$/);
    expect(migrationChecksum(script)).toBe(createHash('sha256').update(script).digest('hex'));
  });

  it('matches across LF / CRLF conversions, as Prisma does', () => {
    const crlf = script.replace(/\n/g, '\r\n');
    expect(checksumMatches(crlf, migrationChecksum(script))).toBe(true);
    expect(checksumMatches(script, migrationChecksum(crlf))).toBe(true);
    expect(checksumMatches(script, migrationChecksum(`${script}-- changed\n`))).toBe(false);
  });

  it('matches the unpadded hex form older Prisma versions stored', () => {
    const digest = createHash('sha256').update(script).digest();
    const unpadded = [...digest].map((byte) => byte.toString(16)).join('');
    // Only meaningful when some byte is below 0x10, which this script's digest has.
    expect(unpadded.length).toBeLessThan(64);
    expect(checksumMatches(script, unpadded)).toBe(true);
  });
});

describe('compareLedger', () => {
  const folder = {
    dir: '/m',
    migrations: ['a_1', 'b_2', 'c_3'].map((name) => ({ name, sqlPath: '', script: name, checksum: migrationChecksum(name) })),
  };
  const row = (name: string, fields: Partial<LedgerRow> = {}): LedgerRow => ({
    id: name,
    checksum: migrationChecksum(name),
    finishedAt: new Date(),
    migrationName: name,
    logs: null,
    rolledBackAt: null,
    startedAt: new Date(),
    appliedStepsCount: 1,
    ...fields,
  });

  it('sorts rows into applied, pending, failed and database-only', () => {
    const status = compareLedger(
      [row('a_1'), row('b_2', { finishedAt: null, logs: 'boom' }), row('z_9'), row('c_3', { rolledBackAt: new Date() })],
      folder,
    );
    expect(status).toEqual({
      applied: ['a_1'],
      pending: ['c_3'],
      failed: [{ name: 'b_2', logs: 'boom' }],
      databaseOnly: ['z_9'],
      modifiedAfterApply: [],
    });
  });

  it('flags an applied migration whose file no longer matches its checksum', () => {
    const status = compareLedger([row('a_1', { checksum: migrationChecksum('other') })], folder);
    expect(status.modifiedAfterApply).toEqual(['a_1']);
    expect(status.pending).toEqual(['b_2', 'c_3']);
  });
});
