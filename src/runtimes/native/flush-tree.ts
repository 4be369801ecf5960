import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BoundedTasks } from '../../support/bounded-tasks.js';

/** How one file or directory is flushed: fsync through node:fs, or a stand-in that records it. */
export type FlushOne = (file: string) => Promise<void>;

export const fsyncPath: FlushOne = async (file) => {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** Flushes in flight at once: enough to keep the disk queue busy, far below any descriptor limit. */
const CONCURRENCY = 8;

/**
 * Writes a directory tree to disk, as initdb does when it is not told `--no-sync`: every regular
 * file, then every directory (its entries), deepest first, then the tree's own entry in its
 * parent. Symbolic links are not followed. A file that disappears meanwhile is skipped: the server
 * working in the tree removed it, and what it keeps it flushes itself. Directory entries cannot be
 * flushed on Windows; there only files are.
 */
export async function flushTree(root: string, flushOne: FlushOne = fsyncPath): Promise<void> {
  const files: string[] = [];
  const directories: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true }).catch(unlessGone);
    if (!entries) return;
    const subdirectories = entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(directory, entry.name));
    files.push(...entries.filter((entry) => entry.isFile()).map((entry) => path.join(directory, entry.name)));
    await Promise.all(subdirectories.map(walk));
    directories.push(directory);
  };
  await walk(root);
  const flush = (file: string) => flushOne(file).then(() => undefined, unlessGone);
  const tasks = new BoundedTasks(CONCURRENCY);
  try {
    for (const file of files) await tasks.add(() => flush(file));
  } finally {
    await tasks.settle(); // a failure ends it only once the flushes in flight have
  }
  if (process.platform === 'win32') return;
  // Children were pushed before their parents: this order flushes a directory after what it holds.
  for (const directory of directories) await flush(directory);
  await flush(path.dirname(root));
}

function unlessGone(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
