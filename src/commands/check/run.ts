import { displayPath } from '../../context/host-project.js';
import { checkHost } from '../../config/check-host.js';
import { STATE_WORDS } from '../../config/host-config.js';
import type { Context } from '../../context/context.js';
import { ExitCode } from '../../support/errors.js';
import { countBySeverity, hasErrors } from '../../support/diagnostic.js';
import { formatDiagnostics } from '../../report/format-diagnostics.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { readRuntimeRecord } from '../../runtimes/runtime-record.js';

/** The options of `check`, as its declaration (index.ts) validates them. */
export interface CheckOptions {
  strict: boolean;
  connect: boolean;
}

export interface CheckData {
  state: 'local' | 'external' | 'disabled';
  /** The runtime the findings are for (local state): null when `up` decides by whether a Docker daemon answers. */
  runtime: 'docker' | 'native' | null;
  envFile: string;
  composeFile: string | null;
  summary: { errors: number; warnings: number; infos: number };
  connections?: Array<{ service: string; ok: boolean; target: string; message: string }>;
}

export type CheckResult = CommandResult<CheckData>;

export async function run(options: CheckOptions, context: Context): Promise<CheckResult> {
  const recorded = (await readRuntimeRecord(context.host.stateDir))?.runtime;
  const check = await checkHost(context, { strict: options.strict, ...(recorded ? { recordedRuntime: recorded } : {}) });
  const diagnostics = [...check.diagnostics];
  let connections: CheckData['connections'];
  if (options.connect && !hasErrors(diagnostics) && check.state !== 'disabled') {
    const { connectToServices } = await import('../../services/connect-check.js');
    const outcome = await connectToServices(check.config, context);
    connections = outcome.connections;
    diagnostics.push(...outcome.diagnostics);
  }
  const counts = countBySeverity(diagnostics);
  return {
    exitCode: hasErrors(diagnostics) ? ExitCode.config : ExitCode.ok,
    diagnostics,
    data: {
      state: check.state,
      runtime: check.state === 'local' ? (check.runtime ?? null) : null,
      envFile: context.host.envFileLabel,
      composeFile: check.config.composeFile ? displayPath(context.host.dir, check.config.composeFile) : null,
      summary: { errors: counts.error, warnings: counts.warning, infos: counts.info },
      ...(connections ? { connections } : {}),
    },
  };
}

export function render(result: CheckResult, style: Style): string {
  const { data, diagnostics } = result;
  const lines: string[] = [];
  if (diagnostics.length > 0) lines.push(formatDiagnostics(diagnostics, style), '');
  lines.push(`Data layer: ${STATE_WORDS[data.state]}`);
  lines.push(`Config:     ${data.envFile}${data.composeFile ? `, ${data.composeFile}` : ''}`);
  if (data.state === 'local') lines.push(`Runtime:    ${data.runtime ?? 'docker if its daemon answers, else native'}`);
  for (const connection of data.connections ?? []) {
    lines.push(`${connection.ok ? style.ok('✔') : style.bad('✖')} ${connection.service}: ${connection.message}`);
  }
  const { errors, warnings } = data.summary;
  if (errors > 0) {
    lines.push(style.bad(`✖ ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`));
  } else {
    lines.push(style.ok(`✔ configuration is valid`) + (warnings > 0 ? style.warn(` (${warnings} warning${warnings === 1 ? '' : 's'})`) : ''));
  }
  return lines.join('\n');
}
