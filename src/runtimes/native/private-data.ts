import { randomBytes } from 'node:crypto';
import { existsSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { chown, lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RefusedError } from '../../support/errors.js';
import { clusterExists } from './postgres-cluster.js';
import type { NativePaths } from './native-state.js';
import { ensureSystemDirectory } from './system-directory.js';
import type { ServerIdentity } from './system-user.js';

/**
 * Where Postgres keeps its data and socket. Normally `.datalayer/native/postgres` and `run/`. As
 * root, Postgres runs as an unprivileged user; when that user cannot reach the project (a 0700
 * parent such as /root), the data lives in `<system directory>/projects/<id>/postgres`, reached
 * from the project through the link `.datalayer/native/postgres`, in a directory only root and the
 * server user can enter. `owner.json` beside it names the project's `.datalayer/native` (its
 * inode, which moves with the project): a copied project, whose link leads to the same data, is
 * refused rather than allowed to stop or delete the original's database.
 */
export interface PostgresPlacement {
  /** The real data directory (what Postgres is given with -D). */
  dataDir: string;
  socketDir: string;
  /** The private project directory, when the data is kept outside the project. */
  privateDir?: string;
}

interface OwnerRecord {
  nativeDir: string;
  dev: number;
  ino: number;
}

const OWNER_FILE = 'owner.json';

/** The private directory the project's data link leads to, checked to be this project's; undefined when the data is in the project. */
export async function privateDataDirOf(paths: NativePaths, systemDir: string): Promise<string | undefined> {
  const link = await lstatIfPresent(paths.postgresDataDir);
  if (!link?.isSymbolicLink()) return undefined;
  const target = path.resolve(path.dirname(paths.postgresDataDir), readlinkSync(paths.postgresDataDir));
  const projects = path.join(systemDir, 'projects');
  const privateDir = path.dirname(target);
  if (path.dirname(privateDir) !== projects || path.basename(target) !== 'postgres') {
    throw new RefusedError(`${paths.postgresDataDir} is a link to ${target}, which is not a data directory datalayer made.`, {
      hint: `Remove the link (\`rm ${paths.postgresDataDir}\`) for a new, empty database, or put the data directory back in its place.`,
    });
  }
  await assertOwnedByProject(paths, privateDir);
  return privateDir;
}

/** Where Postgres' data and socket go for this project, made when missing (see above). */
export async function placePostgresData(paths: NativePaths, identity: ServerIdentity | undefined, canReach: (directory: string) => boolean, systemDir: string): Promise<PostgresPlacement> {
  const existing = await privateDataDirOf(paths, systemDir);
  if (existing) return { dataDir: path.join(existing, 'postgres'), socketDir: path.join(existing, 'run'), privateDir: existing };
  if (!identity || canReach(paths.nativeDir) || clusterExists(paths.postgresDataDir)) {
    return { dataDir: paths.postgresDataDir, socketDir: paths.socketDir };
  }
  const projects = path.join(systemDir, 'projects');
  await ensureSystemDirectory(projects);
  const privateDir = path.join(projects, randomBytes(8).toString('hex'));
  // Root's, enter-only for the server user's group: it holds data and socket, not a listing.
  await mkdir(privateDir, { mode: 0o710 });
  await chown(privateDir, 0, identity.gid);
  const native = statSync(paths.nativeDir);
  const owner: OwnerRecord = { nativeDir: paths.nativeDir, dev: native.dev, ino: native.ino };
  await writeFile(path.join(privateDir, OWNER_FILE), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  for (const name of ['postgres', 'run']) {
    await mkdir(path.join(privateDir, name), { mode: 0o700 });
    await chown(path.join(privateDir, name), identity.uid, identity.gid);
  }
  // An empty directory left by an earlier attempt gives way to the link.
  await rm(paths.postgresDataDir, { recursive: true, force: true });
  await symlink(path.join(privateDir, 'postgres'), paths.postgresDataDir);
  return { dataDir: path.join(privateDir, 'postgres'), socketDir: path.join(privateDir, 'run'), privateDir };
}

/**
 * The link may only be followed by the project it was made for. A moved project keeps the inode of
 * its `.datalayer/native`; one moved to another file system does not, but then nothing is left at
 * the old place, and the record is brought up to date. A copy is refused.
 */
async function assertOwnedByProject(paths: NativePaths, privateDir: string): Promise<void> {
  const file = path.join(privateDir, OWNER_FILE);
  const owner = JSON.parse(await readFile(file, 'utf8')) as OwnerRecord;
  const native = statSync(paths.nativeDir);
  if (owner.dev === native.dev && owner.ino === native.ino) return;
  if (stillLinked(owner.nativeDir, privateDir)) {
    throw new RefusedError(`${paths.postgresDataDir} leads to the database of the project in ${path.dirname(path.dirname(owner.nativeDir))} (this one is a copy of it): datalayer will not run, stop or delete another project's data from here.`, {
      hint: `Remove the link (\`rm ${paths.postgresDataDir}\`) for a new, empty database of this project.`,
      data: { original: owner.nativeDir },
    });
  }
  await writeFile(file, `${JSON.stringify({ nativeDir: paths.nativeDir, dev: native.dev, ino: native.ino })}\n`, { mode: 0o600 });
}

function stillLinked(nativeDir: string, privateDir: string): boolean {
  const link = path.join(nativeDir, 'postgres');
  if (!existsSync(link)) return false;
  return realpathSync(link) === realpathSync(path.join(privateDir, 'postgres'));
}

async function lstatIfPresent(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
