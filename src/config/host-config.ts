import path from 'node:path';
import type { Context } from '../context/context.js';
import type { EnvDocument } from './env/parse.js';
import { readEnvFile } from './env/read-env-file.js';
import { resolveEnvDocument, type ResolvedEnv } from './env/resolve.js';
import type { HostProject } from '../context/host-project.js';
import type { Redactor } from '../report/redactor.js';
import { SECRET_KEYS } from './keys.js';

export type DataLayerState = 'local' | 'external' | 'disabled';

/** Each state in the words the commands print after "Data layer: " (docs/architecture.md, "States"). */
export const STATE_WORDS: Readonly<Record<DataLayerState, string>> = {
  local: 'local (Postgres and S3 started by datalayer: `datalayer up`)',
  external: 'external (Postgres at DATABASE_URL, real S3; nothing is started)',
  disabled: 'disabled (no CHAINLIT_DATALAYER_COMPOSE nor DATABASE_URL: Chainlit keeps no history)',
};

/** The host's configuration as Compose would see it: the parsed file, the resolved values, the state. */
export interface HostConfig {
  host: HostProject;
  /** undefined when the env file does not exist. */
  document: EnvDocument | undefined;
  resolved: ResolvedEnv;
  /** Final values (the shell environment wins over the file, as with Compose). */
  values: Record<string, string>;
  state: DataLayerState;
  /** The compose file named by CHAINLIT_DATALAYER_COMPOSE, absolute. */
  composeFile: string | undefined;
}

export async function loadHostConfig(context: Pick<Context, 'host' | 'env'> & { reporter?: { redactor: Redactor } }): Promise<HostConfig> {
  const read = await readEnvFile(context.host.envFile);
  const document = read?.document;
  const resolved = document
    ? resolveEnvDocument(document, context.env)
    : resolveEnvDocument({ lines: [], errors: [], warnings: [], eol: '\n', bom: false, finalNewline: true }, context.env);
  const values = resolved.values;
  if (context.reporter) registerSecrets(context.reporter.redactor, values);
  const composeValue = nonEmpty(values.CHAINLIT_DATALAYER_COMPOSE);
  return {
    host: context.host,
    document,
    resolved,
    values,
    state: dataLayerState(values),
    composeFile: composeValue === undefined ? undefined : path.resolve(context.host.dir, composeValue),
  };
}

/** The three states (docs/architecture.md, "States"), from what `.env` (and the shell) define. */
export function dataLayerState(values: Record<string, string | undefined>): DataLayerState {
  if (nonEmpty(values.CHAINLIT_DATALAYER_COMPOSE) !== undefined) return 'local';
  if (nonEmpty(values.DATABASE_URL) !== undefined) return 'external';
  return 'disabled';
}

/** Every value that must never be shown, including the password inside DATABASE_URL. */
export function registerSecrets(redactor: Redactor, values: Record<string, string | undefined>): void {
  for (const key of SECRET_KEYS) redactor.add(values[key]);
  redactor.addConnectionString(values.DATABASE_URL);
}

export function lineOf(config: HostConfig, key: string): number | undefined {
  const entry = config.resolved.entries.get(key);
  return entry && !entry.fromShell ? entry.line : undefined;
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
