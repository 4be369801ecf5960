import type { ChalkInstance } from 'chalk';

/** Whether color and spinners may be used: a terminal, and neither CI, NO_COLOR nor --no-color. */
export function colorAllowed(options: { noColor: boolean; env: NodeJS.ProcessEnv; isTTY: boolean }): boolean {
  if (options.noColor) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  if (options.env.CI !== undefined && options.env.CI !== '' && options.env.CI !== 'false') return false;
  return options.isTTY;
}

export interface Style {
  color: boolean;
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  code(text: string): string;
  /** A datalayer command line to type next, said the way the user runs datalayer (`npx datalayer up`). */
  command(line: string): string;
}

const same = (text: string) => text;

/** Text as it is: pipes, logs, CI. */
export const plainStyle: Style = { color: false, ok: same, bad: same, warn: same, dim: same, bold: same, code: same, command: same };

/** Colors for a terminal; chalk is loaded only then, so scripts and CI do not pay for it. */
export async function terminalStyle(): Promise<Style> {
  const { Chalk } = await import('chalk');
  const c: ChalkInstance = new Chalk({ level: 1 });
  return {
    color: true,
    ok: (t) => c.green(t),
    bad: (t) => c.red(t),
    warn: (t) => c.yellow(t),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
    code: (t) => c.cyan(t),
    command: (t) => c.cyan(t),
  };
}
