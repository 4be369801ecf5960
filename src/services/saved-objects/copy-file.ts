/**
 * Where `down` keeps the objects of an in-memory S3, and which running S3 holds them already:
 * known without loading the archive code that reads the copy.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../config/env/atomic-write.js';

export const COPY_FILE = 'saved-objects.tar.gz';
export const INSTANCE_FILE = 'saved-objects-instance.json';

export function savedCopyPath(stateDir: string): string {
  return path.join(stateDir, COPY_FILE);
}

export async function recordInstance(stateDir: string, instance: string): Promise<void> {
  await writeFileAtomic(path.join(stateDir, INSTANCE_FILE), `${JSON.stringify({ instance })}\n`, { mode: 0o600 });
}

export async function readInstance(stateDir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(stateDir, INSTANCE_FILE), 'utf8')) as { instance?: string }).instance;
  } catch (error) {
    // Absent (never recorded) or damaged: either way the running S3 is not known to hold the copy.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
