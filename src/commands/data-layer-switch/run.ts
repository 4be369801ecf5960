/** The shared body of `enable` and `disable`: read `.env`, switch the block, write atomically, report. */
import { loadHostConfig, type DataLayerState } from '../../config/host-config.js';
import type { Context } from '../../context/context.js';
import { commandLineFor } from '../../context/host-project.js';
import { ConfigError } from '../../support/errors.js';
import { writeFileAtomic } from '../../config/env/atomic-write.js';
import { readEnvFile } from '../../config/env/read-env-file.js';
import { formatDiagnostics } from '../../report/format-diagnostics.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { dataLayerKeysIn, planDisable, planEnable } from './plan.js';

export type SwitchDirection = 'enable' | 'disable';

export interface SwitchData {
  envFile: string;
  /** `changed`: keys were (un)commented; `unchanged`: the file already was as asked. */
  action: 'changed' | 'unchanged';
  keys: string[];
  state: DataLayerState;
  /** The commands its output suggests, as typed from the current directory (with -C / --env-file when needed). */
  commandLines: { up: string; enable: string; down: string };
}

export type SwitchResult = CommandResult<SwitchData>;

export async function switchDataLayer(context: Context, direction: SwitchDirection): Promise<SwitchResult> {
  const label = context.host.envFileLabel;
  const file = await readEnvFile(context.host.envFile);
  if (!file) {
    throw new ConfigError(`${label} does not exist.`, { hint: 'Run `datalayer init` to create it with the data-layer block.' });
  }
  const plan = direction === 'disable' ? planDisable(file.text) : planEnable(file.text, label);
  if (direction === 'enable' && plan.text === undefined && dataLayerKeysIn(file.text).defined.length === 0) {
    throw new ConfigError(`${label} has no data-layer keys, commented or not: there is nothing to enable.`, {
      hint: 'Run `datalayer init` to add the data-layer block.',
    });
  }
  if (plan.text !== undefined) await writeFileAtomic(context.host.envFile, plan.text, { within: context.host.dir });
  const { state } = await loadHostConfig(context);
  return {
    exitCode: 0,
    diagnostics: plan.diagnostics,
    data: {
      envFile: label,
      action: plan.text === undefined ? 'unchanged' : 'changed',
      keys: plan.keys,
      state,
      commandLines: { up: commandLineFor(context.host, 'up'), enable: commandLineFor(context.host, 'enable'), down: commandLineFor(context.host, 'down') },
    },
  };
}

export function renderSwitch(direction: SwitchDirection, result: SwitchResult, style: Style): string {
  const { data } = result;
  const lines: string[] = [];
  if (result.diagnostics.length > 0) lines.push(formatDiagnostics(result.diagnostics, style), '');
  if (data.action === 'unchanged') {
    lines.push(`${style.ok('✔')} persistence is already ${direction}d in ${data.envFile}; nothing changed.`);
  } else {
    const verb = direction === 'disable' ? 'commented out' : 'uncommented';
    lines.push(`${style.ok('✔')} ${verb} ${data.keys.length} key${data.keys.length === 1 ? '' : 's'} in ${data.envFile}: ${data.keys.join(', ')}`);
  }
  lines.push(`Data layer: ${data.state}`);
  if (direction === 'disable' && data.action === 'changed') {
    lines.push(`Chainlit keeps no history now; ${style.command(data.commandLines.enable)} turns it back on (the data is kept).`);
    lines.push(`Services already running keep running until ${style.command(data.commandLines.down)}.`);
  } else if (data.state !== 'disabled') {
    lines.push(`Next: ${style.command(data.commandLines.up)}`);
  }
  return lines.join('\n');
}
