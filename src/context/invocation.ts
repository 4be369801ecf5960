/**
 * How the user started datalayer, as the words that start the next command they should type:
 * `datalayer` when it is on PATH, `npx datalayer` when npm ran it (npx, `npm exec`, an npm script),
 * `pnpm exec datalayer`, `yarn datalayer` or `bunx datalayer` for the other package managers.
 * "Next: datalayer up" is only useful if `datalayer` is a command the user can run.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { findExecutable } from '../process/find-executable.js';
import { CANONICAL_INVOCATION } from '../report/say-command.js';

export interface InvocationSignals {
  env: NodeJS.ProcessEnv;
  /** The script node runs (`process.argv[1]`): a link in node_modules/.bin, on PATH, or a path. */
  scriptPath: string | undefined;
}

export function invocationOf(signals: InvocationSignals): string {
  const manager = packageManager(signals.env);
  if (manager) return manager;
  const script = signals.scriptPath && realPath(signals.scriptPath);
  if (!script) return CANONICAL_INVOCATION;
  const onPath = findExecutable(CANONICAL_INVOCATION, signals.env);
  if (onPath && realPath(onPath) === script) return CANONICAL_INVOCATION;
  // Run by its path inside a project's node_modules (`./node_modules/.bin/datalayer`): npx finds it.
  const typed = path.resolve(signals.scriptPath ?? '');
  if (typed.split(path.sep).includes('node_modules')) return 'npx datalayer';
  return CANONICAL_INVOCATION;
}

/**
 * The package manager that started us, from what each sets in the environment of what it runs:
 * npm sets `npm_lifecycle_event` (`npx` for npx and `npm exec`, the script's name for `npm run`),
 * and every manager announces itself in `npm_config_user_agent` (`pnpm/9.1.0 npm/? node/...`).
 */
function packageManager(env: NodeJS.ProcessEnv): string | undefined {
  const agent = env.npm_config_user_agent ?? '';
  if (env.npm_lifecycle_event === undefined && env.npm_execpath === undefined && agent === '') return undefined;
  if (agent.startsWith('pnpm/')) return 'pnpm exec datalayer';
  if (agent.startsWith('yarn/')) return 'yarn datalayer';
  if (agent.startsWith('bun/')) return 'bunx datalayer';
  return 'npx datalayer';
}

function realPath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    // A script path that does not resolve (deleted since): nothing to compare with.
    return undefined;
  }
}
