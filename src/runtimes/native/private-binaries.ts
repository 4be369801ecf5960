import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, lstat, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureSharedLibrarySymlinks, type PostgresBinaries } from '../../process/postgres-binaries.js';
import { ensureSystemDirectory } from './system-directory.js';

const COMPLETE_MARKER = '.complete';

/**
 * The PostgreSQL binaries where the server user can run them. As root, Postgres runs as an
 * unprivileged user, which cannot execute programs under a 0700 directory (node_modules in
 * /root/app): those get a private copy, root's and read-only for everyone else, under
 * `<system directory>/postgresql/<package>@<version>/`, made once per version (atomically: a
 * copy cut short is never used) and reused by every project.
 */
export async function reachableBinaries(binaries: PostgresBinaries, canReach: (directory: string) => boolean, systemDir: string): Promise<PostgresBinaries> {
  if (canReach(binaries.nativeDir)) return binaries;
  const packageDir = path.dirname(binaries.nativeDir);
  const version = packageVersion(packageDir);
  const parent = path.join(systemDir, 'postgresql');
  await ensureSystemDirectory(parent);
  const target = path.join(parent, `${binaries.packageName.replace(/^@/, '').replace(/\//g, '-')}@${version}`);
  if (!existsSync(path.join(target, COMPLETE_MARKER))) await copyPackage(binaries.nativeDir, parent, target);
  const nativeDir = path.join(target, 'native');
  return {
    packageName: binaries.packageName,
    nativeDir,
    initdb: path.join(nativeDir, 'bin', path.basename(binaries.initdb)),
    postgres: path.join(nativeDir, 'bin', path.basename(binaries.postgres)),
  };
}

function packageVersion(packageDir: string): string {
  const version = (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: unknown }).version;
  return typeof version === 'string' && /^[\w.+-]+$/.test(version) ? version : 'unknown';
}

async function copyPackage(nativeDir: string, parent: string, target: string): Promise<void> {
  const staging = path.join(parent, `.staging-${randomBytes(6).toString('hex')}`);
  try {
    await cp(nativeDir, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    // The library links the package's install script makes (it may not have run).
    await ensureSharedLibrarySymlinks(path.join(staging, 'native'));
    await readOnlyForOthers(staging);
    await writeFile(path.join(staging, COMPLETE_MARKER), '', { mode: 0o644 });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Directories 0755, files without write rights for group and others (symbolic links left as they are). */
async function readOnlyForOthers(directory: string): Promise<void> {
  await chmod(directory, 0o755);
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) await readOnlyForOthers(child);
    else if (entry.isFile()) await chmod(child, (await lstat(child)).mode & 0o755);
  }
}
