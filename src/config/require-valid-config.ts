import type { Context } from '../context/context.js';
import { ConfigError, PrerequisiteError } from '../support/errors.js';
import type { Diagnostic } from '../support/diagnostic.js';
import { checkHost, type HostCheck } from './check-host.js';

/**
 * The preflight of every command that acts: `check`'s errors abort (exit 3), except a submodule
 * that is not checked out, which is a missing prerequisite (exit 4, hint `datalayer init`).
 * Warnings are printed and the command goes on.
 */
export async function requireValidConfig(
  context: Context,
  options: { runtime?: string; printWarnings?: boolean; allow?: readonly string[] } = {},
): Promise<HostCheck> {
  const check = await checkHost(context, options.runtime ? { runtime: options.runtime } : {});
  // `allow`: codes that stop only commands which start services (a command reading a running stack goes on).
  const allowed = (d: Diagnostic) => options.allow?.includes(d.code) === true;
  const errors = check.diagnostics.filter((d) => d.severity === 'error' && !allowed(d));
  const mismatch = errors.find((d) => d.code === 'POSTGRES_MAJOR_MISMATCH');
  if (mismatch && errors.length === 1) {
    throw new ConfigError(mismatch.message, { hint: mismatch.hint ?? '', diagnostics: errors, data: { code: mismatch.code } });
  }
  const missingCompose = errors.find((d) => d.code === 'COMPOSE_FILE_MISSING');
  if (missingCompose && errors.length === 1) {
    throw new PrerequisiteError(missingCompose.message, { hint: missingCompose.hint ?? 'Run `datalayer init`.', diagnostics: errors });
  }
  const runtimeMissing = errors.find((d) => d.code.startsWith('RUNTIME_'));
  if (runtimeMissing && errors.length === 1) {
    throw new PrerequisiteError(runtimeMissing.message, { hint: runtimeMissing.hint ?? '', diagnostics: errors });
  }
  if (errors.length > 0) {
    throw new ConfigError(`${context.host.envFileLabel} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was started.`, {
      hint: 'Fix them and run `datalayer check` until it passes.',
      diagnostics: check.diagnostics,
      data: { state: check.state },
    });
  }
  if (options.printWarnings !== false) printWarnings(context, check.diagnostics);
  return check;
}

/** Each warning on one line of stderr, with its hint; `except` leaves out codes that do not apply here. */
export function printWarnings(context: Pick<Context, 'reporter'>, diagnostics: readonly Diagnostic[], except: readonly string[] = []): void {
  for (const warning of diagnostics.filter((d) => d.severity === 'warning' && !except.includes(d.code))) {
    context.reporter.warn(`${warning.message}${warning.hint ? ` (${warning.hint})` : ''}`);
  }
}
