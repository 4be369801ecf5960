import { lstat, mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';
import { PrerequisiteError } from '../../support/errors.js';

/**
 * Where root keeps what the server user must reach but cannot where it is (a project or
 * node_modules under a 0700 directory such as /root): a private copy of the PostgreSQL binaries
 * and the Postgres data of such projects. Only root may write anywhere on the way to it, so the
 * unprivileged server user can neither replace a binary nor another project's data.
 */
export const DEFAULT_SYSTEM_DIRECTORY = '/var/lib/datalayer';

/**
 * Creates `directory` (root's, 0755) and checks every directory from `/` to it: owned by root,
 * writable by nobody else (a sticky directory such as /tmp excepted: others cannot replace what
 * root made there). Anything else would let another user swap what root runs or serves.
 */
export async function ensureSystemDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o755 });
  await chmod(directory, 0o755);
  for (let current = path.resolve(directory); ; current = path.dirname(current)) {
    const stats = await lstat(current);
    const sticky = (stats.mode & 0o1000) !== 0 && current !== path.resolve(directory);
    if (!stats.isDirectory() || stats.uid !== 0 || ((stats.mode & 0o022) !== 0 && !sticky)) {
      throw new PrerequisiteError(`${current} is not a root-only directory: datalayer keeps private copies for the PostgreSQL server user under ${directory}, and another user could change them there.`, {
        hint: `Make ${current} a directory owned by root and writable by root only (\`chown root: ${current} && chmod go-w ${current}\`).`,
        data: { directory: current },
      });
    }
    if (path.dirname(current) === current) return;
  }
}
