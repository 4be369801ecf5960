import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { lchown } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PrerequisiteError } from './errors.js';

/**
 * A project is its owner's, whoever runs datalayer in it. As root (`sudo datalayer up` by habit, a
 * container's default user) in a project that belongs to another user, what datalayer creates in
 * `.datalayer/` is given to that user, so the project stays usable without root. The reverse, a
 * user in a project whose `.datalayer/` root made, is refused with the exact way out.
 */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** As root in another user's project (the owner of the directory holding `.datalayer/`): that user. */
export function projectOwnerToKeep(stateDir: string, currentUid: number | undefined = process.getuid?.()): FileOwner | undefined {
  if (currentUid !== 0) return undefined;
  const host = statSync(path.dirname(stateDir));
  return host.uid === 0 ? undefined : { uid: host.uid, gid: host.gid };
}

/**
 * Gives what datalayer just created to the project's owner (symbolic links themselves, never their
 * targets). Only the user changes: a directory's group may be the servers' (see native-directories.ts).
 */
export async function keepProjectOwner(stateDir: string, ...created: string[]): Promise<void> {
  const owner = projectOwnerToKeep(stateDir);
  if (!owner) return;
  for (const file of created) await lchown(file, owner.uid, -1);
}

/**
 * Refuses (exit 4) when `.datalayer/` (or one of `directories` inside it) exists and this user may
 * not use it: another user, root most often, ran datalayer here first. Says who, and the commands
 * that hand the project over.
 */
export function assertStateAccess(stateDir: string, directories: readonly string[] = [stateDir]): void {
  if (process.getuid?.() === 0) return;
  for (const directory of directories) {
    try {
      accessSync(directory, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not there yet (or not a directory, which the lock reports): nothing to refuse here.
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      throw stateAccessError(stateDir, directory, error);
    }
  }
}

export function stateAccessError(stateDir: string, directory: string, cause?: unknown): PrerequisiteError {
  const owner = ownerName(statSync(directory).uid);
  const me = os.userInfo().username;
  const host = path.dirname(stateDir);
  return new PrerequisiteError(
    `${directory} belongs to ${owner}: datalayer ran in this project as another user first (as root, its servers run as an unprivileged user), and user ${me} cannot use it.`,
    {
      hint: `Run datalayer here with \`sudo\` as before, or hand the project to ${me}: \`sudo datalayer -C ${host} down\`, then \`sudo chown -R ${me}: ${stateDir}\`.`,
      data: { directory, owner },
      cause,
    },
  );
}

/** The user name of a uid, from /etc/passwd; the number when it is not listed there. */
export function ownerName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === uid) return name;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return `uid ${uid}`;
}
