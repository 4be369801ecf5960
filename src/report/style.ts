import { Chalk, type ChalkInstance } from 'chalk';

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
}

export function createStyle(color: boolean): Style {
  const c: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  return {
    color,
    ok: (t) => c.green(t),
    bad: (t) => c.red(t),
    warn: (t) => c.yellow(t),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
    code: (t) => c.cyan(t),
  };
}
