/**
 * The data directory against the server that would open it: a Postgres image of another major
 * crash-loops on it ("database files are incompatible with server"), so `check` calls it an error
 * and `up` stops before anything starts. Docker: the compose file's image tag against the
 * bind-mounted data directory; native: the installed binaries against `.datalayer/native/postgres`.
 */
import path from 'node:path';
import { displayPath } from '../../context/host-project.js';
import { resolvePostgresBinaries } from '../../process/postgres-binaries.js';
import { isDatalayerError } from '../../support/errors.js';
import { boundDataDirectory, dataDirectoryMajor, imageMajor, nativeBinariesMajor } from '../../services/postgres/major-version.js';
import type { ComposeModel } from '../compose/model.js';
import { serviceWithRole } from '../compose/roles.js';
import type { Findings } from './findings.js';

/** Errors that stop only the commands that start services; `backup` and `migrate` talk to what runs. */
export const STARTING_ONLY = ['POSTGRES_MAJOR_MISMATCH'] as const;

/** `runtime`: the one that will run (chosen, or recorded by the last `up`); undefined when either may. */
export async function checkPostgresMajor(findings: Findings, compose: ComposeModel | undefined, runtime: 'docker' | 'native' | undefined): Promise<void> {
  if (findings.config.state !== 'local') return;
  if (runtime !== 'native' && compose) await checkComposeService(findings, compose);
  if (runtime !== 'docker') await checkNative(findings);
}

function wayOut(oldMajor: string, newServer: string): string {
  return (
    `Keep PostgreSQL ${oldMajor} for now (put the old version back), run \`datalayer up\` and \`datalayer backup FILE\`; ` +
    `then switch to ${newServer}, move the old data directory aside (or \`datalayer down --volumes\`), \`datalayer up\` and \`datalayer restore FILE\`.`
  );
}

async function checkComposeService(findings: Findings, compose: ComposeModel): Promise<void> {
  const service = serviceWithRole(compose, 'postgres');
  if (!service?.image) return;
  const dataDir = boundDataDirectory(service.bindMounts, service.environment.PGDATA || undefined);
  if (!dataDir) return;
  const hostDir = findings.config.host.dir;
  const shownData = displayPath(hostDir, dataDir);
  const shownCompose = displayPath(hostDir, service.file);
  const where = { file: shownCompose, ...(service.imageLine === undefined ? {} : { line: service.imageLine }) };
  const onDisk = await dataDirectoryMajor(dataDir);
  if (!onDisk) return;
  if ('unreadable' in onDisk) {
    findings.addElsewhere({
      severity: 'info',
      code: 'POSTGRES_DATA_UNREADABLE',
      message: `The PostgreSQL version of ${shownData} was not checked: ${onDisk.unreadable}.`,
      ...where,
      hint: `If ${service.image} is another major than the one that made it, Postgres will refuse to start; \`datalayer up\` then says so.`,
    });
    return;
  }
  const image = imageMajor(service.image);
  if ('unknown' in image) {
    findings.addElsewhere({
      severity: 'info',
      code: 'POSTGRES_MAJOR_UNKNOWN',
      message: `${shownData} holds PostgreSQL ${onDisk.major} data; which major ${service.image} runs cannot be told (${image.unknown}).`,
      ...where,
      hint: `Name the major in the tag (e.g. postgres:${onDisk.major}) so a change is caught before Postgres starts.`,
    });
    return;
  }
  if (image.major === onDisk.major) return;
  findings.addElsewhere({
    severity: 'error',
    code: 'POSTGRES_MAJOR_MISMATCH',
    message: `${shownData} holds PostgreSQL ${onDisk.major} data, but service ${service.name} runs ${service.image} (PostgreSQL ${image.major}), which cannot open it.`,
    ...where,
    hint: wayOut(onDisk.major, service.image),
  });
}

async function checkNative(findings: Findings): Promise<void> {
  const dataDir = path.join(findings.config.host.stateDir, 'native', 'postgres');
  const onDisk = await dataDirectoryMajor(dataDir);
  if (!onDisk || 'unreadable' in onDisk) return;
  let binaries;
  try {
    binaries = resolvePostgresBinaries();
  } catch (error) {
    // Missing binaries are reported by the runtime rule; there is no server to compare with.
    if (isDatalayerError(error)) return;
    throw error;
  }
  const major = await nativeBinariesMajor(binaries.nativeDir);
  if (major === undefined || major === onDisk.major) return;
  const shownData = displayPath(findings.config.host.dir, dataDir);
  findings.addElsewhere({
    severity: 'error',
    code: 'POSTGRES_MAJOR_MISMATCH',
    message: `${shownData} holds PostgreSQL ${onDisk.major} data, but the native runtime's binaries (${binaries.packageName}) are PostgreSQL ${major}, which cannot open it.`,
    file: shownData,
    hint: wayOut(onDisk.major, `the binaries of PostgreSQL ${major}`),
  });
}
