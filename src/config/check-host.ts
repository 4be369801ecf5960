import type { ComposeModel } from './compose/model.js';
import type { Context } from '../context/context.js';
import { promoteWarnings, type Diagnostic } from '../support/diagnostic.js';
import { loadHostConfig, type DataLayerState, type HostConfig } from './host-config.js';
import { checkComposeFile } from './rules/compose.js';
import { checkDatabaseUrl } from './rules/database-url.js';
import { checkFields } from './rules/fields.js';
import { Findings } from './rules/findings.js';
import { checkMigrationsFolder } from './rules/migrations.js';
import { checkPostgresMajor } from './rules/postgres-major.js';
import { checkRuntimePrerequisites, expectedRuntime, type ExpectedRuntime } from './rules/runtime.js';
import { checkUnusableValues, firstUnprivilegedPort } from './rules/unusable-values.js';
import { checkAuthSecret } from './rules/secret.js';
import { checkStorage } from './rules/storage.js';
import { checkSyntax } from './rules/syntax.js';

export interface HostCheck {
  diagnostics: Diagnostic[];
  state: DataLayerState;
  config: HostConfig;
  compose: ComposeModel | undefined;
  /** The runtime `up` will use, when that is known without starting anything. */
  runtime: ExpectedRuntime;
}

export interface CheckHostOptions {
  strict?: boolean;
  /** `--runtime` of the command, when it has one. */
  runtime?: string;
  /** The runtime of the last `up` (`.datalayer/runtime.json`), which auto keeps. */
  recordedRuntime?: 'docker' | 'native';
}

/** Every offline rule of `check` over the host's `.env`, compose file, submodule and runtime. */
export async function checkHost(
  context: Pick<Context, 'host' | 'env'> & Partial<Pick<Context, 'reporter'>>,
  options: CheckHostOptions = {},
): Promise<HostCheck> {
  const config = await loadHostConfig(context);
  const findings = new Findings(config);
  if (config.document === undefined) {
    findings.error({
      code: 'ENV_FILE_MISSING',
      message: `${config.host.envFileLabel} does not exist.`,
      hint: 'Run `datalayer init` to create it (or pass --env-file).',
    });
  }
  checkSyntax(findings);
  checkFields(findings);
  checkAuthSecret(findings);
  checkDatabaseUrl(findings);
  checkStorage(findings);
  const runtime = expectedRuntime(options.runtime, config.values, context.env, options.recordedRuntime);
  checkUnusableValues(findings, { runtime, root: process.getuid?.() === 0, firstUnprivilegedPort: firstUnprivilegedPort() });
  const compose = await checkComposeFile(findings, { dockerPossible: runtime !== 'native' });
  checkMigrationsFolder(findings);
  checkRuntimePrerequisites(findings, { runtime: options.runtime, env: context.env });
  await checkPostgresMajor(findings, compose, runtime);
  const diagnostics = options.strict ? promoteWarnings(findings.list) : findings.list;
  return { diagnostics, state: config.state, config, compose, runtime };
}
