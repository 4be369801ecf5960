import { realpathSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ComposeFileError, readComposeModel, type ComposeModel } from '../compose/model.js';
import { LOCALSTACK_COMMUNITY_RELEASE } from '../compose/localstack-token.js';
import { serviceWithRole } from '../compose/roles.js';
import { displayPath } from '../../context/host-project.js';
import { INIT_SCRIPT_BUCKET } from '../keys.js';
import type { Findings } from './findings.js';

const KEY = 'CHAINLIT_DATALAYER_COMPOSE';

/** The compose file named by CHAINLIT_DATALAYER_COMPOSE: there, inside the host, YAML with services. */
export async function checkComposeFile(findings: Findings): Promise<ComposeModel | undefined> {
  const { config } = findings;
  const file = config.composeFile;
  if (config.state !== 'local' || file === undefined) return undefined;
  const hostDir = config.host.dir;
  const shown = displayPath(hostDir, file);
  if (!isFile(file)) {
    const empty = emptyParentInsideHost(hostDir, file);
    findings.error(
      'COMPOSE_FILE_MISSING',
      KEY,
      `${KEY} names ${shown}, which does not exist.`,
      empty
        ? `${displayPath(hostDir, empty)} is empty: the submodule is not checked out. Run \`datalayer init\`.`
        : 'Run `datalayer init` to fetch the submodule and point this key at its compose file.',
    );
    return undefined;
  }
  warnWhenOutsideHost(findings, hostDir, file, shown);
  let model: ComposeModel;
  try {
    model = await readComposeModel(file, (name: string) => config.values[name]);
  } catch (error) {
    if (!(error instanceof ComposeFileError)) throw error;
    findings.addElsewhere({
      severity: 'error',
      code: 'COMPOSE_FILE_INVALID',
      message: `${shown} ${error.message}.`,
      file: shown,
      ...(error.line === undefined ? {} : { line: error.line }),
      key: KEY,
      hint: 'Fix the file, or run `datalayer update-submodule` to get a good copy.',
    });
    return undefined;
  }
  checkModel(findings, model, shown);
  return model;
}

function checkModel(findings: Findings, model: ComposeModel, shown: string): void {
  if (model.services.length === 0) {
    findings.addElsewhere({
      severity: 'error',
      code: 'COMPOSE_NO_SERVICES',
      message: `${shown} declares no services.`,
      file: shown,
      key: KEY,
      hint: `Point ${KEY} at the data layer's compose file.`,
    });
  }
  for (const warning of model.warnings) {
    findings.addElsewhere({
      severity: 'warning',
      code: 'COMPOSE_YAML_KEY',
      message: `${shown}: ${warning.message}.`,
      file: shown,
      ...(warning.line === undefined ? {} : { line: warning.line }),
      hint: 'Use a plain name as the key.',
    });
  }
  for (const message of model.interpolationErrors) {
    findings.addElsewhere({ severity: 'error', code: 'COMPOSE_INTERPOLATION', message: `${shown}: ${message}`, file: shown });
  }
  for (const variable of model.variables) {
    if (variable.hasDefault || findings.values[variable.name] !== undefined) continue;
    findings.warning(
      'COMPOSE_VARIABLE_UNDEFINED',
      undefined,
      `${shown} uses \${${variable.name}}, which is neither defined in ${findings.config.host.envFileLabel} nor defaulted; Compose will use an empty string.`,
      `Add ${variable.name}=... to ${findings.config.host.envFileLabel}.`,
    );
  }
  const s3 = serviceWithRole(model, 's3');
  // Only a token in the container's environment counts: one in .env that the file does not pass on is not seen.
  if (s3?.image && /^(docker\.io\/)?localstack\/localstack(:latest)?$/.test(s3.image) && !s3.environment.LOCALSTACK_AUTH_TOKEN) {
    const unused = findings.value('LOCALSTACK_AUTH_TOKEN') ? ` (LOCALSTACK_AUTH_TOKEN in ${findings.config.host.envFileLabel} is not passed to it by this file)` : '';
    findings.addElsewhere({
      severity: 'warning',
      code: 'COMPOSE_LOCALSTACK_LATEST',
      message: `Service ${s3.name} uses ${s3.image}; that image now needs an auth token in the container and exits with code 55 without one${unused}.`,
      file: shown,
      hint: `Unless ${s3.image} on this machine is a community release: \`docker pull ${LOCALSTACK_COMMUNITY_RELEASE} && docker tag ${LOCALSTACK_COMMUNITY_RELEASE} ${s3.image}\`, or use \`datalayer up --runtime native\`.`,
    });
  }
  const bucket = findings.value('BUCKET_NAME');
  // Only a LocalStack with an init script (the fork's, mounted into ready.d) creates a bucket at all.
  const initScript = s3?.bindMounts.some((mount) => mount.target.includes('/etc/localstack/init/'));
  if (s3 && initScript && bucket !== undefined && bucket !== INIT_SCRIPT_BUCKET) {
    findings.warning(
      'BUCKET_NOT_CREATED_BY_STACK',
      'BUCKET_NAME',
      `BUCKET_NAME is "${bucket}" but the LocalStack init script only creates "${INIT_SCRIPT_BUCKET}".`,
      '`datalayer up` creates the bucket for you; a plain `docker compose up` does not.',
    );
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
    findings.warning(
      'COMPOSE_OUTSIDE_HOST',
      KEY,
      `${KEY} names ${shown}, which lies outside the host project${real !== file ? ' (through a symbolic link)' : ''}.`,
      'Keep the compose file inside the project (the submodule) so that everyone gets the same one.',
    );
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

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
