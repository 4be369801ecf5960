import { nonEmpty, type HostConfig } from '../../config/host-config.js';
import type { Endpoints } from '../../config/endpoints.js';
import { CONTAINER_PORTS } from '../../config/keys.js';
import type { Context } from '../../context/context.js';
import type { StackSettings } from '../../runtimes/runtime-record.js';
import type { RuntimeKind, ServiceRole, ServiceState } from '../../runtimes/runtime.js';
import { ConfigError, RefusedError, isDatalayerError } from '../../support/errors.js';
import { matchesPairFingerprint, pairFingerprint } from '../../support/fingerprint.js';

/**
 * `.env` edited while the stack runs (POSTGRES_PORT, LOCALSTACK_PORT, POSTGRES_DB, POSTGRES_USER,
 * POSTGRES_PASSWORD): `up` says what changed against what the running stack was started with, and
 * what it does about it, instead of waiting on a port nothing listens on.
 */
export type DriftVariable = 'POSTGRES_PORT' | 'LOCALSTACK_PORT' | 'POSTGRES_DB' | 'POSTGRES_USER' | 'POSTGRES_PASSWORD';

export interface SettingChange {
  variable: DriftVariable;
  /** Absent for the password. */
  from?: string;
  to?: string;
}

/** What `.env` gives now, in the form `up` records (the password only as a salted fingerprint). */
export function stackSettingsOf(config: HostConfig, endpoints: Endpoints, previous?: StackSettings): StackSettings {
  const { user, password, database } = credentialsOf(config);
  const unchanged = previous && previous.user === user && matchesPairFingerprint(previous.passwordFingerprint, user, password);
  return {
    postgresPort: endpoints.postgresPort ?? CONTAINER_PORTS.postgres,
    s3Port: endpoints.s3Port ?? CONTAINER_PORTS.localstack,
    database,
    user,
    // The same fingerprint while the pair is the same, so the record is only rewritten on a change.
    passwordFingerprint: unchanged ? previous.passwordFingerprint : pairFingerprint(user, password),
  };
}

/** Whether two records say the same thing. */
export function sameSettings(a: StackSettings | undefined, b: StackSettings): boolean {
  return a !== undefined && a.postgresPort === b.postgresPort && a.s3Port === b.s3Port && a.database === b.database && a.user === b.user && a.passwordFingerprint === b.passwordFingerprint;
}

/**
 * What differs between the running stack and `.env`: the ports from what the running services
 * publish (known even without a record), the rest from what `up` recorded when it started them.
 */
export function settingChanges(recorded: StackSettings | undefined, services: readonly ServiceState[], config: HostConfig, endpoints: Endpoints): SettingChange[] {
  const postgres = runningService(services, 'postgres');
  if (!postgres && !runningService(services, 's3')) return [];
  const changes: SettingChange[] = [];
  const portChange = (variable: DriftVariable, role: ServiceRole, wanted: number | undefined, recordedPort: number | undefined) => {
    const published = runningService(services, role)?.ports.map((port) => port.published) ?? [];
    const from = published.length > 0 ? (published.includes(wanted ?? -1) ? undefined : published[0]) : recordedPort !== wanted ? recordedPort : undefined;
    if (from !== undefined && wanted !== undefined) changes.push({ variable, from: String(from), to: String(wanted) });
  };
  portChange('POSTGRES_PORT', 'postgres', endpoints.postgresPort, recorded?.postgresPort);
  portChange('LOCALSTACK_PORT', 's3', endpoints.s3Port, recorded?.s3Port);
  if (!recorded || !postgres) return changes;
  const { user, password, database } = credentialsOf(config);
  if (recorded.database !== database) changes.push({ variable: 'POSTGRES_DB', from: recorded.database, to: database });
  if (recorded.user !== user) changes.push({ variable: 'POSTGRES_USER', from: recorded.user, to: user });
  else if (!matchesPairFingerprint(recorded.passwordFingerprint, user, password)) changes.push({ variable: 'POSTGRES_PASSWORD' });
  return changes;
}

/**
 * Says what changed and what `up` does about it. A port: the native runtime restarts that server
 * on the new port (its data is kept); Docker's containers are not recreated behind the user's back
 * (LocalStack keeps objects in memory), so `up` stops here (exit 6) with the one command to run.
 */
export function announceChanges(context: Context, kind: RuntimeKind, changes: readonly SettingChange[]): void {
  const ports = changes.filter((change) => change.variable === 'POSTGRES_PORT' || change.variable === 'LOCALSTACK_PORT');
  if (ports.length > 0 && kind === 'docker') {
    throw new RefusedError(`.env changed while the stack runs: ${ports.map(describeChange).join('; ')}. The running containers still publish the old port${ports.length > 1 ? 's' : ''}.`, {
      hint: 'Apply it with `datalayer down` then `datalayer up` (down keeps the data), or put the old value back in .env.',
      data: { changes: ports },
    });
  }
  for (const change of ports) {
    const service = change.variable === 'POSTGRES_PORT' ? 'postgres' : 's3';
    context.reporter.info(`${describeChange(change)} since the stack started: restarting ${service} on ${change.to} (its data is kept).`);
  }
  const database = changes.find((change) => change.variable === 'POSTGRES_DB');
  if (database) {
    context.reporter.warn(`${describeChange(database)} since the stack started: the app will use ${database.to} (created empty if missing, then migrated); the data in ${database.from} is kept.`);
  }
}

/**
 * The login failure of a stack whose user or password changed in `.env` since it started, said as
 * such: Postgres keeps the credentials its data was created with, so neither waiting nor a restart
 * helps. Other errors are returned as they are.
 */
export function explainCredentialChange(error: unknown, changes: readonly SettingChange[], config: HostConfig): unknown {
  const change = changes.find((one) => one.variable === 'POSTGRES_USER' || one.variable === 'POSTGRES_PASSWORD');
  if (!change || !isDatalayerError(error) || error.data.reason !== 'auth') return error;
  const { user } = credentialsOf(config);
  return new ConfigError(`Postgres refused the login of .env: ${describeChange(change)} since the stack started, and Postgres keeps the user and password its data was created with.`, {
    hint:
      change.variable === 'POSTGRES_USER'
        ? `Put POSTGRES_USER=${change.from} (and its password) back in .env; or create ${user} in the database first; \`datalayer down --volumes\` starts over with an empty database.`
        : `Put the previous POSTGRES_PASSWORD back in .env; or set the new one in the database first (ALTER USER ... PASSWORD, logged in with the old one); \`datalayer down --volumes\` starts over with an empty database.`,
    data: { service: 'postgres', reason: 'auth', changes: [change] },
    cause: error,
  });
}

function describeChange(change: SettingChange): string {
  return change.from === undefined ? `${change.variable} changed` : `${change.variable} changed from ${change.from} to ${change.to}`;
}

function runningService(services: readonly ServiceState[], role: ServiceRole): ServiceState | undefined {
  return services.find((service) => service.role === role && ['running', 'starting', 'outdated', 'restarting'].includes(service.state));
}

function credentialsOf(config: HostConfig): { user: string; password: string; database: string } {
  const values = config.values;
  return {
    user: nonEmpty(values.POSTGRES_USER) ?? 'root',
    password: nonEmpty(values.POSTGRES_PASSWORD) ?? 'root',
    database: nonEmpty(values.POSTGRES_DB) ?? 'postgres',
  };
}
