import { checkHost } from '../../config/check-host.js';
import type { Context } from '../../context/context.js';
import { ConfigError, ExitCode, UsageError } from '../../support/errors.js';
import type { CommandResult } from '../../report/reporter.js';
import { inUseOrSelected, runtimeInUse } from '../../runtimes/select-runtime.js';

/** The options of `logs`, as its declaration (index.ts) validates them. */
export interface LogsOptions {
  /** Empty: every service. */
  services: string[];
  follow: boolean;
  tail: number | undefined;
}

export type LogsResult = CommandResult<{ services: string[]; runtime: string; logs?: Record<string, string[]> }>;

const JSON_DEFAULT_TAIL = 200;

/**
 * In text mode the services' own output goes straight to the terminal and the result only
 * carries the exit code; with --json the last lines of each service are the result.
 */
export async function run(options: LogsOptions, context: Context): Promise<LogsResult> {
  if (context.reporter.json && options.follow) {
    throw new UsageError('--follow cannot be combined with --json (one JSON document is printed once).', {
      hint: 'Use `datalayer logs --json -n 100` for the last lines, or `datalayer logs -f` to follow.',
    });
  }
  const check = await checkHost(context);
  if (check.state !== 'local') {
    throw new ConfigError(`The data layer is ${check.state}: datalayer runs no services whose logs it could show.`, {
      hint: 'Logs exist for the local state (CHAINLIT_DATALAYER_COMPOSE set) after `datalayer up`.',
    });
  }
  const inUse = await runtimeInUse(context, check.config, check.compose);
  const selected = await inUseOrSelected(context, check.config, check.compose, inUse);
  if (!selected) throw inUse!.unavailable;
  if (context.reporter.json) {
    const names = options.services.length > 0 ? options.services : (await selected.runtime.services()).map((service) => service.name);
    const logs: Record<string, string[]> = {};
    for (const name of names) logs[name] = await selected.runtime.lastLogLines(name, options.tail ?? JSON_DEFAULT_TAIL);
    return { exitCode: ExitCode.ok, diagnostics: [], data: { services: names, runtime: selected.runtime.kind, logs } };
  }
  const exitCode = await selected.runtime.streamLogs(options.services, {
    follow: options.follow,
    ...(options.tail === undefined ? {} : { tail: options.tail }),
  });
  return { exitCode: exitCode === 0 ? ExitCode.ok : exitCode, diagnostics: [], data: { services: options.services, runtime: selected.runtime.kind } };
}

export function render(): string {
  return '';
}
