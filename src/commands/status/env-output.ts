/**
 * `status -o <format>`: the host-side values as lines another program reads back exactly.
 *
 * - `env`: `export KEY='value'` for a POSIX shell, so that `eval "$(datalayer status -o env)"`
 *   hands the values to the commands it then runs (a bare `KEY=value` sets shell variables that
 *   child processes never see).
 * - `dotenv`: `KEY=value` quoted as Docker Compose reads an env file (`env_file:`, `--env-file`),
 *   the same way datalayer writes `.env`.
 * - `github`: what GitHub Actions reads from `$GITHUB_ENV`: `KEY=value` taken literally, and its
 *   `KEY<<DELIMITER` block for a value that spans lines.
 */
import { randomBytes } from 'node:crypto';
import { formatEnvValue } from '../../config/env/edit.js';
import { shellQuote } from '../../support/shell-quote.js';

export const ENV_OUTPUT_FORMATS = ['env', 'dotenv', 'github'] as const;
export type EnvOutputFormat = (typeof ENV_OUTPUT_FORMATS)[number];

export function formatEnvOutput(values: ReadonlyArray<readonly [string, string]>, format: EnvOutputFormat): string {
  return values.map(([key, value]) => `${formatLine(key, value, format)}\n`).join('');
}

function formatLine(key: string, value: string, format: EnvOutputFormat): string {
  switch (format) {
    case 'env':
      return `export ${key}=${shellQuote(value)}`;
    case 'dotenv':
      return `${key}=${formatEnvValue(value)}`;
    case 'github':
      return /[\r\n]/.test(value) ? githubBlock(key, value) : `${key}=${value}`;
  }
}

/** GitHub's multi-line form; the delimiter is random so that no line of the value can end the block. */
function githubBlock(key: string, value: string): string {
  let delimiter: string;
  do delimiter = `DATALAYER_EOF_${randomBytes(8).toString('hex')}`;
  while (value.includes(delimiter));
  return `${key}<<${delimiter}\n${value}\n${delimiter}`;
}
