/**
 * Replaces a file so that a reader (or a crash) sees either the old content or the new one, never
 * half of it: write a temporary file beside the target, flush it, rename it over the target.
 */
import { promises as defaultFs, type Stats } from 'node:fs';
import path from 'node:path';
import { ConfigError, RefusedError } from '../../support/errors.js';
import { describeFileType } from '../../support/regular-file.js';
import { isProcessAlive } from '../../process/process-alive.js';

/** The file-system calls used, injectable so that a failing rename can be exercised. */
export interface AtomicWriteFileSystem {
  lstat: (target: string) => Promise<Stats>;
  realpath: (target: string) => Promise<string>;
  open: typeof defaultFs.open;
  rename: (from: string, to: string) => Promise<void>;
  unlink: (target: string) => Promise<void>;
  chown: (target: string, uid: number, gid: number) => Promise<void>;
}

export interface AtomicWriteOptions {
  /** Mode of a new file (default 0600); an existing file keeps its own. */
  mode?: number;
  /**
   * The project directory: a symbolic link is followed only to a file inside it, and a target
   * inside it must not lead outside it through a linked directory.
   */
  within?: string;
  fileSystem?: Partial<AtomicWriteFileSystem>;
}

const NEW_FILE_MODE = 0o600;

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

async function lstatIfExists(fs: AtomicWriteFileSystem, target: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The file to replace: `target` itself, or what its symbolic link points to (the link stays, its
 * target gets the new content). Only a regular file (or none yet) is replaced, and only inside
 * the project (`within`): a `.env` linked to /dev/null or to a file elsewhere is refused, never
 * written through.
 */
async function destinationOf(fs: AtomicWriteFileSystem, target: string, within: string | undefined): Promise<{ file: string; existing: Stats | undefined }> {
  const linked = await lstatIfExists(fs, target);
  let file = target;
  if (linked?.isSymbolicLink()) {
    try {
      file = await fs.realpath(target);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      throw new ConfigError(`Cannot write ${target}: it is a symbolic link to ${await readLink(target)}, which does not exist.`, {
        hint: 'Create the file it points to, or replace the link with a regular file; nothing was written.',
      });
    }
  } else {
    // Where its directory really is decides whether it is inside the project.
    file = path.join(await realDirectory(fs, path.dirname(target)), path.basename(target));
  }
  const existing = file === target ? linked : await lstatIfExists(fs, file);
  if (within !== undefined) await refuseOutside(fs, target, file, linked?.isSymbolicLink() === true, within);
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    throw new RefusedError(`Refusing to write ${target}: ${file === target ? 'it' : `it leads to ${file}, which`} is ${describeFileType(existing)}, not a regular file.`, {
      hint: 'datalayer edits only regular files: replace it with one (or point --env-file at one); nothing was written.',
    });
  }
  return { file, existing };
}

/** A directory's real path; as given when it does not exist (the write then fails saying so). */
async function realDirectory(fs: AtomicWriteFileSystem, directory: string): Promise<string> {
  try {
    return await fs.realpath(directory);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return directory;
    throw error;
  }
}

async function readLink(target: string): Promise<string> {
  return defaultFs.readlink(target);
}

/** A link (or a linked directory) from inside the project to a file outside it is not followed. */
async function refuseOutside(fs: AtomicWriteFileSystem, target: string, file: string, isLink: boolean, within: string): Promise<void> {
  const project = await fs.realpath(within);
  const inside = (candidate: string) => {
    const relative = path.relative(project, candidate);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const targetInside = !path.relative(path.resolve(within), path.resolve(target)).startsWith('..');
  if (inside(file) || (!isLink && !targetInside)) return;
  throw new RefusedError(`Refusing to write ${target}: it leads to ${file}, outside the project ${within}.`, {
    hint: `datalayer edits only files inside the project: replace the link with a regular file${path.basename(target).endsWith('.env') ? ` (or pass --env-file ${file} if that is the file you mean)` : ''}; nothing was written.`,
  });
}

/** Removes a leftover temporary file; returns why it could not (already gone counts as removed). */
async function removeTemporary(fs: AtomicWriteFileSystem, file: string): Promise<string | undefined> {
  try {
    await fs.unlink(file);
    return undefined;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}

async function writeTemporary(fs: AtomicWriteFileSystem, temporary: string, content: string, mode: number, existing: Stats | undefined): Promise<void> {
  const handle = await fs.open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    // The umask may have narrowed the mode given to open().
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (existing && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) {
    try {
      await fs.chown(temporary, existing.uid, existing.gid);
    } catch (error) {
      // Only root may give a file away: anyone else ends up owning the file, as with any editor.
      if (errorCode(error) !== 'EPERM') throw error;
    }
  }
}

/**
 * A writer killed between its write and its rename leaves its temporary file behind, holding the
 * new content (a new secret, say). The next write of the same file removes those of dead writers.
 */
async function removeLeftoversOfDeadWriters(fs: AtomicWriteFileSystem, directory: string, base: string): Promise<void> {
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  let names: string[];
  try {
    names = await defaultFs.readdir(directory);
  } catch (error) {
    // An unreadable directory hides its leftovers from us; the write itself goes on.
    if (errorCode(error) === 'EACCES' || errorCode(error) === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    await removeTemporary(fs, path.join(directory, name));
  }
}

async function syncDirectory(fs: AtomicWriteFileSystem, directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof defaultFs.open>> | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL, EISDIR); the rename itself is already done.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/** Throws what writeFileAtomic would refuse about `target` (a link outside, a device, a dangling link), writing nothing. */
export async function assertEditable(target: string, within: string): Promise<void> {
  await destinationOf(defaultFileSystem(), target, within);
}

function defaultFileSystem(): AtomicWriteFileSystem {
  return {
    lstat: defaultFs.lstat,
    realpath: defaultFs.realpath,
    open: defaultFs.open,
    rename: defaultFs.rename,
    unlink: defaultFs.unlink,
    chown: defaultFs.chown,
  };
}

export async function writeFileAtomic(target: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  const fs: AtomicWriteFileSystem = { ...defaultFileSystem(), ...options.fileSystem };
  const { file, existing } = await destinationOf(fs, target, options.within);
  if (existing?.isDirectory()) {
    throw new ConfigError(`Cannot write ${target}: it is a directory.`, { hint: 'Point --env-file at a file.' });
  }
  const mode = existing ? existing.mode & 0o7777 : (options.mode ?? NEW_FILE_MODE);
  const directory = path.dirname(file);
  // node:crypto is loaded here, not at start-up: every command imports this module, few write.
  const { randomBytes } = await import('node:crypto');
  const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeTemporary(fs, temporary, content, mode, existing);
    await fs.rename(temporary, file);
  } catch (error) {
    const cleanupFailure = await removeTemporary(fs, temporary);
    const leftover = cleanupFailure === undefined ? '' : ` (the temporary file ${temporary} could not be removed: ${cleanupFailure})`;
    throw new ConfigError(`Cannot write ${target}: ${error instanceof Error ? error.message : String(error)}${leftover}`, {
      hint: 'Check that the directory is writable and the disk is not full; the file was left unchanged.',
      cause: error,
    });
  }
  await syncDirectory(fs, directory);
  await removeLeftoversOfDeadWriters(fs, directory, path.basename(file));
}
