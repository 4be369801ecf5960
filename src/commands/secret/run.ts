import type { Context } from '../../context/context.js';
import { ConfigError } from '../../support/errors.js';
import { writeFileAtomic } from '../../config/env/atomic-write.js';
import { setEnvValue } from '../../config/env/edit.js';
import { readEnvFile } from '../../config/env/read-env-file.js';
import { AUTH_SECRET_KEY } from '../../config/env-template.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { generateSecret } from '../../config/generate-secret.js';

/** The options of `secret`, as its declaration (index.ts) validates them. */
export interface SecretOptions {
  write: boolean;
}

export interface SecretData {
  written: boolean;
  /** With --write: the file it went into. */
  envFile: string | null;
  /** With --write: whether a previous value was replaced. */
  replaced: boolean;
  length: number;
  /** Without --write, under --json only: the secret itself (printing it is this command's purpose). */
  secret?: string;
}

export type SecretResult = CommandResult<SecretData>;

/**
 * `datalayer secret`: a new CHAINLIT_AUTH_SECRET. Printed on stdout (the one command whose purpose
 * is to print one), or with --write stored in `.env` and never shown.
 */
export async function run(options: SecretOptions, context: Context): Promise<SecretResult> {
  const secret = generateSecret();
  if (!options.write) {
    if (!context.reporter.json) context.reporter.raw(`${secret}\n`);
    return {
      exitCode: 0,
      diagnostics: [],
      data: { written: false, envFile: null, replaced: false, length: secret.length, ...(context.reporter.json ? { secret } : {}) },
    };
  }
  context.reporter.redactor.add(secret);
  const file = await readEnvFile(context.host.envFile);
  if (!file) {
    throw new ConfigError(`${context.host.envFileLabel} does not exist.`, {
      hint: 'Run `datalayer init`: it creates .env with a generated secret.',
    });
  }
  const replaced = file.document.lines.some((line) => line.kind === 'entry' && line.key === AUTH_SECRET_KEY);
  await writeFileAtomic(context.host.envFile, setEnvValue(file.text, AUTH_SECRET_KEY, secret), { within: context.host.dir });
  return {
    exitCode: 0,
    diagnostics: [],
    data: { written: true, envFile: context.host.envFileLabel, replaced, length: secret.length },
  };
}

export function render(result: SecretResult, style: Style): string {
  const { data } = result;
  if (!data.written) return '';
  const verb = data.replaced ? 'replaced' : 'added';
  return [
    `${style.ok('✔')} ${AUTH_SECRET_KEY} ${verb} in ${data.envFile} (${data.length} random characters; the value is not shown).`,
    data.replaced ? 'Restart the app: sessions signed with the previous secret are no longer valid.' : '',
  ]
    .filter(Boolean)
    .join('\n');
}
