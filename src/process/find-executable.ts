import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Looks an executable up on PATH without running anything (cheap enough for `check`). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // Not in this directory, or not executable: keep looking.
    }
  }
  return undefined;
}
