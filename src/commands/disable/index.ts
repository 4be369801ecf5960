import * as z from 'zod/mini';
import { parseOptions } from '../../cli/parse-options.js';
import type { Context } from '../../context/context.js';
import type { Style } from '../../report/style.js';
import { renderSwitch, switchDataLayer, type SwitchResult } from '../data-layer-switch/run.js';

/** `datalayer disable`: comments out the data-layer block of `.env` (persistence off, data kept). */
export async function run(raw: Record<string, unknown>, context: Context): Promise<SwitchResult> {
  parseOptions(z.object({}), raw);
  return switchDataLayer(context, 'disable');
}

export function render(result: SwitchResult, style: Style): string {
  return renderSwitch('disable', result, style);
}
