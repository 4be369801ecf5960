import type { Context } from '../context/context.js';
import { commandLineFor } from '../context/host-project.js';
import { ConfigError, PrerequisiteError } from '../support/errors.js';
import type { Diagnostic } from '../support/diagnostic.js';
import { checkHost, type HostCheck } from './check-host.js';
import { STARTING_ONLY } from './rules/postgres-major.js';

/**
 * The preflight of every command that acts: `check`'s errors abort (exit 3), except a submodule
 * that is not checked out, which is a missing prerequisite (exit 4, hint `datalayer init`).
 * Warnings are printed and the command goes on.
 */
export async function requireValidConfig(
  context: Context,
  options: { runtime?: string; printWarnings?: boolean; ignoreKeys?: readonly string[]; allow?: readonly string[] } = {},
): Promise<HostCheck> {
  const checked = await checkHost(context, options.runtime ? { runtime: options.runtime } : {});
  // A key the command does not use (DATABASE_URL when --database-url names the database) cannot stop it.
  const check = { ...checked, diagnostics: checked.diagnostics.filter((d) => d.key === undefined || !options.ignoreKeys?.includes(d.key)) };
  // `allow`: codes that stop only the commands which start services (one that reads a running stack goes on).
  const errors = check.diagnostics.filter((d) => d.severity === 'error' && !options.allow?.includes(d.code));
  const mismatch = errors.find((d) => d.code === 'POSTGRES_MAJOR_MISMATCH');
  if (mismatch && errors.length === 1) {
    throw new ConfigError(mismatch.message, { hint: mismatch.hint ?? '', diagnostics: errors, data: { code: mismatch.code } });
  }
  const missingCompose = errors.find((d) => d.code === 'COMPOSE_FILE_MISSING');
  if (missingCompose && errors.length === 1) {
    throw new PrerequisiteError(missingCompose.message, { hint: missingCompose.hint ?? 'Run `datalayer init`.', diagnostics: errors });
  }
  if (errors.some((d) => d.code === 'ENV_FILE_MISSING')) {
    // Nothing to validate yet: "has 1 error" would send the user looking for a mistake in a file that is not there.
    throw new ConfigError(`${context.host.envFileLabel} does not exist in ${context.host.dir}: there is no data layer to work on yet.`, {
      hint: 'Run `datalayer init` here first (it writes .env), or point at the project with --cwd / --env-file.',
      diagnostics: errors,
      data: { state: check.state },
    });
  }
  const runtimeMissing = errors.find((d) => d.code.startsWith('RUNTIME_'));
  if (runtimeMissing && errors.length === 1) {
    throw new PrerequisiteError(runtimeMissing.message, { hint: runtimeMissing.hint ?? '', diagnostics: errors });
  }
  if (errors.length > 0) {
    throw new ConfigError(`${whereErrorsAre(context, errors)} ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was started or changed.`, {
      hint: 'Fix them and run `datalayer check` until it passes.',
      diagnostics: check.diagnostics,
      data: { state: check.state },
    });
  }
  if (options.printWarnings !== false) printWarnings(context, check.diagnostics);
  return check;
}

/**
 * The preflight of a command that works on the chat history of a stack that may already run
 * (backup, restore): a major mismatch does not stop it, persistence turned off does, saying what
 * there is then nothing to do (`purpose`, e.g. "there is no chat history to back up").
 */
export async function requireDataLayerOn(context: Context, purpose: string): Promise<HostCheck & { state: 'local' | 'external' }> {
  const check = await requireValidConfig(context, { allow: STARTING_ONLY });
  if (check.state === 'disabled') {
    throw new ConfigError(`Persistence is disabled: ${context.host.envFileLabel} sets neither CHAINLIT_DATALAYER_COMPOSE nor DATABASE_URL, so ${purpose}.`, {
      hint: `Run \`${commandLineFor(context.host, 'enable')}\` (or \`init\`) and \`${commandLineFor(context.host, 'up')}\` first.`,
    });
  }
  return { ...check, state: check.state };
}

/** `.env has`, or the shell environment when values set there (which win over the file) are at fault. */
function whereErrorsAre(context: Context, errors: readonly Diagnostic[]): string {
  const fromShell = errors.filter((d) => d.origin === 'shell').length;
  if (fromShell === 0) return `${context.host.envFileLabel} has`;
  if (fromShell === errors.length) return 'The shell environment (whose values win over the file) has';
  return `${context.host.envFileLabel} and the shell environment (whose values win over the file) have`;
}

/** Each warning on one line of stderr, with its hint; `except` leaves out codes that do not apply here. */
export function printWarnings(context: Pick<Context, 'reporter'>, diagnostics: readonly Diagnostic[], except: readonly string[] = []): void {
  for (const warning of diagnostics.filter((d) => d.severity === 'warning' && !except.includes(d.code))) {
    context.reporter.warn(`${warning.message}${warning.hint ? ` (${warning.hint})` : ''}`);
  }
}
