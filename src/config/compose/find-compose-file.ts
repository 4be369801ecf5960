import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The names Docker Compose itself looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

/** The compose file a directory actually has (absolute path), or undefined. */
export function findComposeFile(directory: string): string | undefined {
  for (const name of COMPOSE_FILE_NAMES) {
    const candidate = path.join(directory, name);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Whether a path inside the submodule is one of its top-level compose files. */
export function isComposeFileName(relativePath: string): boolean {
  return (COMPOSE_FILE_NAMES as readonly string[]).includes(relativePath);
}

/** A path as `.env` should hold it: relative to the host, forward slashes (Compose reads it on any OS). */
export function hostRelativePath(hostDir: string, target: string): string {
  return path.relative(hostDir, target).split(path.sep).join('/');
}
