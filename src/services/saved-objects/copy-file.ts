/** Where `down` keeps the objects of an in-memory S3: known without loading the archive code that reads it. */
import path from 'node:path';

export const COPY_FILE = 'saved-objects.tar.gz';

export function savedCopyPath(stateDir: string): string {
  return path.join(stateDir, COPY_FILE);
}
