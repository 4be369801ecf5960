import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../support/errors.js';
import { migrationChecksum } from './checksum.js';

export interface MigrationFile {
  /** Folder name, e.g. `20250103173917_init_data_layer`; also the ledger's migration_name. */
  name: string;
  sqlPath: string;
  /** The script as read (UTF-8), sent to the server as one simple query. */
  script: string;
  /** sha256 hex of the file bytes, as Prisma stores it. */
  checksum: string;
}

export interface MigrationsFolder {
  dir: string;
  /** Ascending by folder name, the order Prisma applies them in. */
  migrations: MigrationFile[];
  /** `provider` from migration_lock.toml, when the file exists. */
  lockProvider?: string;
}

const lockFileName = 'migration_lock.toml';

/** Reads a Prisma migrations folder: one sub-folder per migration, each holding migration.sql. */
export async function readMigrationsFolder(dir: string): Promise<MigrationsFolder> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`Cannot read the migrations folder ${dir}: ${error.code ?? error.message}`, {
      hint: 'Check that the submodule is checked out (`git submodule update --init`).',
      cause: error,
    });
  });
  const lockProvider = await readLockProvider(dir);
  if (lockProvider !== undefined && lockProvider !== 'postgresql') {
    throw new ConfigError(`${join(dir, lockFileName)} declares provider "${lockProvider}", not "postgresql".`, {
      hint: 'These migrations were written for another database; datalayer only applies PostgreSQL migrations.',
    });
  }
  const names = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(byCodeUnits);
  const migrations: MigrationFile[] = [];
  for (const name of names) migrations.push(await readMigration(dir, name));
  return lockProvider === undefined ? { dir, migrations } : { dir, migrations, lockProvider };
}

async function readMigration(dir: string, name: string): Promise<MigrationFile> {
  const sqlPath = join(dir, name, 'migration.sql');
  const isFile = await stat(sqlPath).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new ConfigError(`The migration folder ${join(dir, name)} has no migration.sql.`, {
      hint: 'Every folder under prisma/migrations must hold a migration.sql; remove stray folders.',
    });
  }
  const bytes = await readFile(sqlPath);
  return { name, sqlPath, script: bytes.toString('utf8'), checksum: migrationChecksum(bytes) };
}

async function readLockProvider(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, lockFileName), 'utf8');
  } catch (error) {
    // Prisma tolerates a missing lock file; any other read failure is worth reporting.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read ${join(dir, lockFileName)}: ${(error as Error).message}`, { cause: error });
  }
  return parseLockProvider(text);
}

/** The `provider = "..."` value of a migration_lock.toml, or '' when the file names none. */
export function parseLockProvider(toml: string): string {
  const match = /^\s*provider\s*=\s*["']([^"']*)["']/m.exec(toml);
  return match?.[1] ?? '';
}

/** Byte-wise order, as Prisma sorts folder names (not locale order). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
