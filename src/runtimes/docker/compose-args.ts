import path from 'node:path';
import type { ComposeEngine } from './engine.js';

/** Where the compose project is: always named explicitly, never left to Compose's guessing. */
export interface ComposeTarget {
  project: string;
  /** Absolute path of the compose file (CHAINLIT_DATALAYER_COMPOSE resolved against the host). */
  composeFile: string;
  /** Absolute path of the host's `.env`. */
  envFile: string;
}

/**
 * The argv of one compose call. `--env-file` is the host's `.env` because Compose would otherwise
 * read the `.env` beside the compose file (inside the submodule). `--project-directory` is never
 * passed: it would move the compose file's relative bind mounts.
 */
export function composeArgv(
  engine: Pick<ComposeEngine, 'command' | 'plugin'>,
  target: ComposeTarget,
  subcommand: readonly string[],
): { file: string; args: string[] } {
  for (const [name, value] of [
    ['composeFile', target.composeFile],
    ['envFile', target.envFile],
  ] as const) {
    if (!path.isAbsolute(value)) throw new Error(`composeArgv: ${name} must be absolute, got "${value}"`);
  }
  // The plugin's own executable takes the subcommand without the `compose` the docker CLI needs.
  const [file, ...prefix] = engine.plugin ? [engine.plugin] : engine.command;
  if (file === undefined) throw new Error('composeArgv: the engine has an empty command');
  return {
    file,
    args: [...prefix, '-p', target.project, '-f', target.composeFile, '--env-file', target.envFile, ...subcommand],
  };
}
