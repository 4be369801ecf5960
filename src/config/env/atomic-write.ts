/**
 * Replaces a file so that a reader (or a crash) sees either the old content or the new one, never
 * half of it: write a temporary file beside the target, flush it, rename it over the target.
 */
import { randomBytes } from 'node:crypto';
import { promises as defaultFs, type Stats } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../support/errors.js';
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

/** A symlinked `.env` is written through: the link stays, its target gets the new content. */
async function destinationOf(fs: AtomicWriteFileSystem, target: string): Promise<{ file: string; existing: Stats | undefined }> {
  const existing = await lstatIfExists(fs, target);
  if (!existing?.isSymbolicLink()) return { file: target, existing };
  const file = await fs.realpath(target);
  return { file, existing: await lstatIfExists(fs, file) };
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

export async function writeFileAtomic(target: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  const fs: AtomicWriteFileSystem = {
    lstat: defaultFs.lstat,
    realpath: defaultFs.realpath,
    open: defaultFs.open,
    rename: defaultFs.rename,
    unlink: defaultFs.unlink,
    chown: defaultFs.chown,
    ...options.fileSystem,
  };
  const { file, existing } = await destinationOf(fs, target);
  if (existing?.isDirectory()) {
    throw new ConfigError(`Cannot write ${target}: it is a directory.`, { hint: 'Point --env-file at a file.' });
  }
  const mode = existing ? existing.mode & 0o7777 : (options.mode ?? NEW_FILE_MODE);
  const directory = path.dirname(file);
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
