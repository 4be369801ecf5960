import { realpathSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { findComposeFile } from '../compose/find-compose-file.js';
import { ComposeFileError, readComposeModel, type ComposeModel } from '../compose/model.js';
import { LOCALSTACK_COMMUNITY_RELEASE } from '../compose/localstack-token.js';
import { serviceRole, serviceWithRole } from '../compose/roles.js';
import { displayPath } from '../../context/host-project.js';
import type { Diagnostic } from '../../support/diagnostic.js';
import { lineOf } from '../host-config.js';
import { CONTAINER_PORTS, INIT_SCRIPT_BUCKET } from '../keys.js';
import { composeFileHint } from './submodule-hint.js';
import type { Findings } from './findings.js';

const KEY = 'CHAINLIT_DATALAYER_COMPOSE';

export interface ComposeCheckOptions {
  /** False when `up` will run natively: LocalStack, its init script and the other compose services play no part then. */
  dockerPossible: boolean;
}

/** The compose file named by CHAINLIT_DATALAYER_COMPOSE: there, inside the host, YAML with services. */
export async function checkComposeFile(findings: Findings, options: ComposeCheckOptions): Promise<ComposeModel | undefined> {
  const { config } = findings;
  const file = config.composeFile;
  if (config.state !== 'local' || file === undefined) return undefined;
  const hostDir = config.host.dir;
  const shown = displayPath(hostDir, file);
  const kind = fileKind(file);
  if (kind === 'directory') {
    const inside = findComposeFile(file);
    findings.error({
      code: 'COMPOSE_FILE_INVALID',
      key: KEY,
      message: `${KEY} names ${shown}, which is a directory, not a compose file.`,
      hint: inside ? `Point it at the file inside: ${KEY}=${displayPath(hostDir, inside)}.` : `Point it at a compose file (compose.yaml) inside ${shown}.`,
    });
    return undefined;
  }
  if (kind === 'other') {
    findings.error({
      code: 'COMPOSE_FILE_INVALID',
      key: KEY,
      message: `${KEY} names ${shown}, which is not a regular file.`,
      hint: `Point ${KEY} at the compose file (compose.yaml).`,
    });
    return undefined;
  }
  if (kind === 'missing') {
    const empty = emptyParentInsideHost(hostDir, file);
    findings.error({
      code: 'COMPOSE_FILE_MISSING',
      key: KEY,
      message: `${KEY} names ${shown}, which does not exist.`,
      hint: composeFileHint(config.host, empty, path.dirname(file)),
    });
    return undefined;
  }
  warnWhenOutsideHost(findings, hostDir, file, shown);
  let model: ComposeModel;
  try {
    model = await readComposeModel(file, (name: string) => config.values[name], { stateDir: config.host.stateDir });
  } catch (error) {
    if (!(error instanceof ComposeFileError)) throw error;
    const at = error.file ? displayPath(hostDir, error.file) : shown;
    findings.addElsewhere({
      severity: 'error',
      code: 'COMPOSE_FILE_INVALID',
      message: `${at} ${error.message}.`,
      file: at,
      ...(error.line === undefined ? {} : { line: error.line }),
      key: KEY,
      hint: 'Fix the file, or run `datalayer update-submodule` to get a good copy.',
    });
    return undefined;
  }
  checkModel(findings, model, shown, options);
  return model;
}

function checkModel(findings: Findings, model: ComposeModel, shown: string, options: ComposeCheckOptions): void {
  const hostDir = findings.config.host.dir;
  const where = (file: string, line: number | undefined) => ({ file: displayPath(hostDir, file), ...(line === undefined ? {} : { line }) });
  if (model.services.length === 0) {
    findings.addElsewhere({
      severity: 'error',
      code: 'COMPOSE_NO_SERVICES',
      message: `${shown} declares no services${model.included.length > 0 ? ', nor do the files it includes' : ''}.`,
      ...where(model.file, undefined),
      key: KEY,
      hint: `Point ${KEY} at the data layer's compose file.`,
    });
  }
  for (const warning of model.warnings) {
    const at = where(warning.file, warning.line);
    findings.addElsewhere({ severity: 'warning', code: 'COMPOSE_YAML_KEY', message: `${at.file}: ${warning.message}.`, ...at, hint: 'Use a plain name as the key.' });
  }
  for (const problem of model.interpolationErrors) {
    const at = where(problem.file, problem.line);
    findings.addElsewhere({
      severity: 'error',
      code: 'COMPOSE_INTERPOLATION',
      message: `${at.file}: ${problem.message}; Compose stops there.`,
      ...at,
      hint: `Define the variable in ${findings.config.host.envFileLabel}.`,
    });
  }
  for (const variable of model.variables) {
    // A required one that is missing is an interpolation error above: Compose stops, it uses nothing.
    if (variable.hasDefault || variable.required || findings.values[variable.name] !== undefined) continue;
    const at = where(variable.file, variable.line);
    findings.addElsewhere({
      severity: 'warning',
      code: 'COMPOSE_VARIABLE_UNDEFINED',
      message: `${at.file} uses \${${variable.name}}, which is neither defined in ${findings.config.host.envFileLabel} nor defaulted; Compose will use an empty string.`,
      ...at,
      key: variable.name,
      hint: `Add ${variable.name}=... to ${findings.config.host.envFileLabel}.`,
    });
  }
  // Natively neither LocalStack nor the other compose services run.
  if (options.dockerPossible) {
    checkLocalstack(findings, model, where);
    checkContainerDatabaseUrls(findings, model, where);
  }
}

type Where = (file: string, line: number | undefined) => { file: string; line?: number };

/** What only the Docker runtime meets: LocalStack's image and the bucket its init script creates. */
function checkLocalstack(findings: Findings, model: ComposeModel, where: Where): void {
  const s3 = serviceWithRole(model, 's3');
  // Only a token in the container's environment counts: one in .env that the file does not pass on is not seen.
  if (s3?.image && /^(docker\.io\/)?localstack\/localstack(:latest)?$/.test(s3.image) && !s3.environment.LOCALSTACK_AUTH_TOKEN) {
    const unused = findings.value('LOCALSTACK_AUTH_TOKEN') ? ` (LOCALSTACK_AUTH_TOKEN in ${findings.config.host.envFileLabel} is not passed to it by this file)` : '';
    findings.addElsewhere({
      severity: 'warning',
      code: 'COMPOSE_LOCALSTACK_LATEST',
      message: `Service ${s3.name} uses ${s3.image}; that image now needs an auth token in the container and exits with code 55 without one${unused}.`,
      ...where(s3.file, s3.imageLine ?? s3.line),
      hint: `Unless ${s3.image} on this machine is a community release: \`docker pull ${LOCALSTACK_COMMUNITY_RELEASE} && docker tag ${LOCALSTACK_COMMUNITY_RELEASE} ${s3.image}\`, or use \`datalayer up --runtime native\`.`,
    });
  }
  const bucket = findings.value('BUCKET_NAME');
  // Only a LocalStack with an init script (the fork's, mounted into ready.d) creates a bucket at all.
  const initScript = s3?.bindMounts.some((mount) => mount.target.includes('/etc/localstack/init/'));
  if (s3 && initScript && bucket !== undefined && bucket !== INIT_SCRIPT_BUCKET) {
    findings.warning({
      code: 'BUCKET_NOT_CREATED_BY_STACK',
      key: 'BUCKET_NAME',
      message: `BUCKET_NAME is "${bucket}" but the LocalStack init script only creates "${INIT_SCRIPT_BUCKET}".`,
      hint: '`datalayer up` creates the bucket for you; a plain `docker compose up` does not.',
    });
  }
}

/**
 * A service that reaches Postgres inside the compose network must use its container port: the
 * fork's `data-layer` service builds `postgres:${POSTGRES_PORT}`, which breaks as soon as
 * POSTGRES_PORT (only the port published on the host) is not 5432.
 */
function checkContainerDatabaseUrls(findings: Findings, model: ComposeModel, where: Where): void {
  const postgres = model.services.filter((service) => serviceRole(service) === 'postgres');
  if (postgres.length === 0) return;
  const hostNames = new Set(postgres.map((service) => service.name.toLowerCase()));
  const portLine = lineOf(findings.config, 'POSTGRES_PORT');
  for (const service of model.services) {
    for (const [key, value] of Object.entries(service.environment)) {
      if (!/^postgres(ql)?:\/\//i.test(value) || !URL.canParse(value)) continue;
      const url = new URL(value);
      const port = url.port === '' ? CONTAINER_PORTS.postgres : Number(url.port);
      if (!hostNames.has(url.hostname.toLowerCase()) || port === CONTAINER_PORTS.postgres) continue;
      const diagnostic: Diagnostic = {
        severity: 'warning',
        code: 'COMPOSE_DATABASE_URL_CONTAINER_PORT',
        message:
          `Service ${service.name} connects to ${url.hostname}:${port} (its ${key}), but inside the compose network Postgres listens on ${CONTAINER_PORTS.postgres}; ` +
          `POSTGRES_PORT${portLine ? ` (${findings.config.host.envFileLabel}:${portLine})` : ''} only changes the port published on the host. That service cannot reach the database.`,
        ...where(service.file, service.environmentLines[key] ?? service.line),
        key: 'POSTGRES_PORT',
        hint: `Keep POSTGRES_PORT=5432, or change the service's ${key} to use ${url.hostname}:5432 (the fork's compose file needs that fix).`,
      };
      findings.addElsewhere(diagnostic);
    }
  }
}

function warnWhenOutsideHost(findings: Findings, hostDir: string, file: string, shown: string): void {
  const real = safeRealpath(file);
  const realHost = safeRealpath(hostDir);
  const inside = (target: string, root: string) => {
    const relative = path.relative(root, target);
    // `..stack/compose.yaml` is inside: only a `..` segment leaves.
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  };
  if (!inside(file, hostDir) || !inside(real, realHost)) {
    findings.warning({
      code: 'COMPOSE_OUTSIDE_HOST',
      key: KEY,
      message: `${KEY} names ${shown}, which lies outside the host project${real !== file ? ' (through a symbolic link)' : ''}.`,
      hint: 'Keep the compose file inside the project (the submodule) so that everyone gets the same one.',
    });
  }
}

function emptyParentInsideHost(hostDir: string, file: string): string | undefined {
  let dir = path.dirname(file);
  while (dir.startsWith(hostDir) && dir !== hostDir) {
    try {
      if (statSync(dir).isDirectory()) return readdirSync(dir).length === 0 ? dir : undefined;
    } catch {
      // Not there either: look one level up.
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

function fileKind(file: string): 'file' | 'directory' | 'other' | 'missing' {
  try {
    const stats = statSync(file);
    return stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
