/**
 * Files datalayer reads and edits are regular files. A FIFO, a device or a socket in their place
 * (a `.env` symlinked to /dev/null, a named pipe) must never be read or replaced: opening a FIFO
 * for reading waits for a writer forever (and keeps the process from exiting), a device never
 * ends, and writing "through" one replaces it with a regular file.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { ConfigError } from './errors.js';

/** What a file that is not a regular one is, in words. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/**
 * Opens `file` for reading only if it is a regular file (symbolic links followed); undefined when
 * it does not exist. O_NONBLOCK makes the open of a FIFO return at once instead of waiting for a
 * writer; the type is then read from the open descriptor, so nothing can swap the file in between.
 */
export async function openRegularFile(file: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    if (errorCode(error) === 'EISDIR') throw notRegular(file, 'a directory');
    throw error;
  }
  const stats = await handle.stat();
  if (stats.isFile()) return handle;
  await handle.close();
  throw notRegular(file, describeFileType(stats));
}

function notRegular(file: string, type: string): ConfigError {
  return new ConfigError(`${file} is ${type}, not a regular file: datalayer reads and edits only regular files.`, {
    hint: type === 'a directory' ? 'Point --env-file at a file.' : 'Replace it with a regular file (or point --env-file at one); nothing was read or changed.',
  });
}

/** The text of a regular file, undefined when it does not exist (see openRegularFile). */
export async function readRegularFile(file: string): Promise<string | undefined> {
  const handle = await openRegularFile(file);
  if (handle === undefined) return undefined;
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
