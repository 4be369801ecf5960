import * as z from 'zod/mini';
import { parseOptions } from '../../cli/parse-options.js';
import { checkHost } from '../../config/check-host.js';
import type { Context } from '../../context/context.js';
import { ConfigError, ExitCode, UsageError } from '../../support/errors.js';
import type { CommandResult } from '../../report/reporter.js';
import { recordedRuntime, selectRuntime } from '../../runtimes/select-runtime.js';

const LogsOptions = z.object({
  args: z._default(z.array(z.string().check(z.refine((s) => !s.startsWith('-'), 'a service name may not begin with "-"'))), []),
  follow: z._default(z.boolean(), false),
  tail: z.optional(z.coerce.number({ message: 'expected a number of lines' }).check(z.int(), z.nonnegative())),
});

export type LogsResult = CommandResult<{ services: string[]; runtime: string; logs?: Record<string, string[]> }>;

const JSON_DEFAULT_TAIL = 200;

/**
 * In text mode the services' own output goes straight to the terminal and the result only
 * carries the exit code; with --json the last lines of each service are the result.
 */
export async function run(raw: Record<string, unknown>, context: Context): Promise<LogsResult> {
  const options = parseOptions(LogsOptions, raw);
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
  const selected = (await recordedRuntime(context, check.config, check.compose)) ?? (await selectRuntime(context, check.config, check.compose, undefined));
  if (context.reporter.json) {
    const names = options.args.length > 0 ? options.args : (await selected.runtime.services()).map((service) => service.name);
    const logs: Record<string, string[]> = {};
    for (const name of names) logs[name] = await selected.runtime.lastLogLines(name, options.tail ?? JSON_DEFAULT_TAIL);
    return { exitCode: ExitCode.ok, diagnostics: [], data: { services: names, runtime: selected.runtime.kind, logs } };
  }
  const exitCode = await selected.runtime.streamLogs(options.args, {
    follow: options.follow,
    ...(options.tail === undefined ? {} : { tail: options.tail }),
  });
  return { exitCode: exitCode === 0 ? ExitCode.ok : exitCode, diagnostics: [], data: { services: options.args, runtime: selected.runtime.kind } };
}

export function render(): string {
  return '';
}
