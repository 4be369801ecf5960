import { localstackTokenHint } from '../../config/compose/localstack-token.js';
import { NotReadyError } from '../../support/errors.js';
import type { Runtime, ServiceRole, ServiceState } from '../../runtimes/runtime.js';

const DEAD_STATES = new Set(['exited', 'dead', 'restarting', 'removing']);
const LAST_LINES = 15;
const WATCH_PAUSE_MS = 1_000;

/** What the compose file says about a service, for the hints. */
export interface DeclaredService {
  image?: string;
  environment: Record<string, string>;
}

/**
 * A check for the readiness waits: ends the wait at once (exit 5) when the container or process
 * behind a service has exited or is restart-looping, with its last log lines and a hint.
 */
export function serviceExitWatch(runtime: Runtime, roles: readonly ServiceRole[], declared: Readonly<Record<string, DeclaredService>> = {}): () => Promise<void> {
  // The readiness probes run every 100 ms; asking the runtime (a `compose ps`, two CLI start-ups)
  // that often would take the CPU the services need to start. A look a second after the last one
  // ended still ends the wait within a second or two of an exit. The services were just started
  // (or found running): the first look can wait as well.
  let lastLook = Date.now();
  return async () => {
    if (Date.now() - lastLook < WATCH_PAUSE_MS) return;
    const services = await runtime.services();
    lastLook = Date.now();
    const dead = services.find((service) => service.role !== undefined && roles.includes(service.role) && DEAD_STATES.has(service.state));
    if (dead) throw await exitedError(runtime, dead, declared[dead.name]);
  };
}

export async function exitedError(runtime: Runtime, service: ServiceState, declared?: DeclaredService): Promise<NotReadyError> {
  const logs = await runtime.lastLogLines(service.name, LAST_LINES).catch(() => [] as string[]);
  const code = service.exitCode === undefined ? '' : ` with code ${service.exitCode}`;
  const how = service.state === 'restarting' ? `keeps restarting (last exit${code})` : `exited${code}`;
  const logText = logs.length > 0 ? `\nLast lines of its log:\n${logs.map((line) => `  ${line}`).join('\n')}` : '';
  return new NotReadyError(`${describe(service)} ${how} while datalayer was waiting for it.${logText}`, {
    hint: exitHint(service, logs, declared),
    data: { service: service.name, role: service.role ?? null, state: service.state, exitCode: service.exitCode ?? null, logs },
  });
}

function describe(service: ServiceState): string {
  const role = service.role === 'postgres' ? 'Postgres' : service.role === 's3' ? 'S3' : undefined;
  return role && role.toLowerCase() !== service.name ? `${role} (service ${service.name})` : (role ?? `Service ${service.name}`);
}

function exitHint(service: ServiceState, logs: readonly string[], declared?: DeclaredService): string {
  // The data directory could not be compared before the start (owned by the container's user).
  if (service.role === 'postgres' && logs.some((line) => /database files are incompatible with server/i.test(line))) {
    const detail = logs.map((line) => /initialized by PostgreSQL version (\S+?), which is not compatible with this version (\S+?)\.?$/i.exec(line)).find(Boolean);
    const versions = detail ? ` (data of PostgreSQL ${detail[1]}, server ${detail[2]})` : '';
    return `The data directory was made by another PostgreSQL major than the image runs${versions}. Put the old image back, \`datalayer up\` and \`datalayer backup FILE\`; then switch images, move the old data directory aside (or \`datalayer down --volumes\`), \`datalayer up\` and \`datalayer restore FILE\`.`;
  }
  if (service.role === 's3' && service.exitCode === 55) {
    return localstackTokenHint(declared?.image ?? 'localstack/localstack:latest', declared !== undefined && 'LOCALSTACK_AUTH_TOKEN' in declared.environment);
  }
  if (service.role === 'postgres') {
    return 'Read its full log with `datalayer logs postgres`. A data directory made by another Postgres major version, or a full disk, are common causes.';
  }
  return `Read its full log with \`datalayer logs ${service.name}\`.`;
}
