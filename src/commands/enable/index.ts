import * as z from 'zod/mini';
import { parseOptions } from '../../cli/parse-options.js';
import type { Context } from '../../context/context.js';
import type { Style } from '../../report/style.js';
import { renderSwitch, switchDataLayer, type SwitchResult } from '../data-layer-switch/run.js';

/** `datalayer enable`: uncomments the data-layer block of `.env`. */
export async function run(raw: Record<string, unknown>, context: Context): Promise<SwitchResult> {
  parseOptions(z.object({}), raw);
  return switchDataLayer(context, 'enable');
}

export function render(result: SwitchResult, style: Style): string {
  return renderSwitch('enable', result, style);
}
