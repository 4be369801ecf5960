import type { Context } from '../context/context.js';
import type { CommandResult } from '../report/reporter.js';
import type { Style } from '../report/style.js';

/** The shape of `src/commands/<name>.ts`: a function that returns a result, and its renderer. */
export interface CommandModule {
  run(options: Record<string, unknown>, context: Context): Promise<CommandResult<object>>;
  render(result: CommandResult<object>, style: Style): string;
}
