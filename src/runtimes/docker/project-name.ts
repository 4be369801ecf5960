import path from 'node:path';
import { ConfigError } from '../../support/errors.js';

/** What Compose accepts as an explicit project name (`-p` or `COMPOSE_PROJECT_NAME`). */
const VALID_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Compose's normalisation of a directory name: lowercase, only `[a-z0-9_-]`, no leading `_` or `-`. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/**
 * The project name `docker compose` itself would pick for the host, so our containers are the ones
 * the host's own compose file (which includes the same services) manages.
 * `env` holds the resolved values (shell over `.env`); an explicit name is validated, not
 * normalised, exactly as Compose refuses an invalid one.
 */
export function composeProjectName(hostDir: string, env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.COMPOSE_PROJECT_NAME;
  if (explicit !== undefined && explicit !== '') {
    if (!VALID_PROJECT_NAME.test(explicit)) {
      throw new ConfigError(`COMPOSE_PROJECT_NAME "${explicit}" is not a valid Compose project name.`, {
        hint: 'Use only lowercase letters, digits, `_` and `-`, starting with a letter or digit.',
        data: { key: 'COMPOSE_PROJECT_NAME' },
      });
    }
    return explicit;
  }
  const base = path.basename(hostDir);
  const normalized = normalizeProjectName(base);
  if (normalized === '') {
    throw new ConfigError(`Cannot derive a Compose project name from the directory name "${base}".`, {
      hint: 'Set COMPOSE_PROJECT_NAME in .env (lowercase letters, digits, `_` and `-`).',
      data: { key: 'COMPOSE_PROJECT_NAME' },
    });
  }
  return normalized;
}
