import { closeSync, openSync } from 'node:fs';
import { chmod, chown, lchown, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { keepProjectOwner } from '../../support/project-owner.js';
import type { NativePaths } from './native-state.js';
import type { ServerIdentity } from './system-user.js';

/**
 * Creates the native runtime's directories with private permissions, owned by the project's owner
 * (see support/project-owner.ts: as root in another user's project, that user keeps it).
 *
 * `.datalayer/` and `.datalayer/native/` are 0700. When the servers run as another user than the
 * directories' owner (root's own project: the `postgres` system user), those two must still be
 * traversable by it to reach the data directories: they then get that user's group with mode 0710
 * (enter, not list; others get nothing).
 */
export async function prepareNativeDirectories(paths: NativePaths, identity: ServerIdentity | undefined): Promise<void> {
  await ensureSharedDirectory(paths, paths.stateDir, identity);
  await ensureSharedDirectory(paths, paths.nativeDir, identity);
  await ensureDirectory(paths.logsDir, 0o700);
  await keepProjectOwner(paths.stateDir, paths.logsDir);
}

/** The data and socket directories of Postgres, owned by the user it runs as. */
export async function preparePostgresDirectories(paths: NativePaths, identity: ServerIdentity | undefined): Promise<void> {
  for (const directory of [paths.postgresDataDir, paths.socketDir]) {
    await ensureDirectory(directory, 0o700);
    if (identity) await chown(directory, identity.uid, identity.gid);
  }
}

/**
 * The S3 server's data directory, owned by the user it runs as. Files an older version left there
 * as root are handed over too, so the unprivileged server can read and replace them.
 */
export async function prepareS3Directories(paths: NativePaths, identity: ServerIdentity | undefined): Promise<void> {
  await ensureDirectory(paths.s3DataDir, 0o700);
  if (!identity) return;
  const owner = await stat(paths.s3DataDir);
  if (owner.uid === identity.uid && owner.gid === identity.gid) return;
  await chownTree(paths.s3DataDir, identity);
}

/**
 * A server's log file, made before the server gets its descriptor: private, and the project
 * owner's (the server only ever writes through the descriptor datalayer opens for it).
 */
export async function prepareLogFile(paths: NativePaths, file: string): Promise<void> {
  closeSync(openSync(file, 'a', 0o600));
  await keepProjectOwner(paths.stateDir, file);
}

/** lchown of a directory's whole tree (symbolic links themselves, never their targets), root last. */
async function chownTree(directory: string, identity: ServerIdentity): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) await chownTree(child, identity);
    else await lchown(child, identity.uid, identity.gid);
  }
  await lchown(directory, identity.uid, identity.gid);
}

async function ensureSharedDirectory(paths: NativePaths, directory: string, identity: ServerIdentity | undefined): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await keepProjectOwner(paths.stateDir, directory);
  const owner = (await stat(directory)).uid;
  if (!identity || identity.uid === owner) {
    await chmod(directory, 0o700);
    return;
  }
  await chown(directory, owner, identity.gid);
  await chmod(directory, 0o710);
}

async function ensureDirectory(directory: string, mode: number): Promise<void> {
  await mkdir(directory, { recursive: true, mode });
  await chmod(directory, mode);
}
