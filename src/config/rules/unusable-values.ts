/**
 * Values that pass their own schema but cannot work once the services start: caught here, with
 * their line, instead of as a login that never succeeds or an `up` that fails with another exit code.
 */
import { readFileSync } from 'node:fs';
import { COMPOSE_DEFAULTS } from '../keys.js';
import { parsePort } from '../schema.js';
import type { ExpectedRuntime } from './runtime.js';
import type { Findings } from './findings.js';

const POSTGRES_KEYS = ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'] as const;
const PORT_KEYS = ['POSTGRES_PORT', 'LOCALSTACK_PORT', 'PRISMA_STUDIO_PORT'] as const;

export interface UnusableValueOptions {
  runtime: ExpectedRuntime;
  /** Whether datalayer runs as root (its own processes may then bind any port). */
  root: boolean;
  /** The first port an unprivileged process may bind (Linux: ip_unprivileged_port_start). */
  firstUnprivilegedPort: number;
}

export function checkUnusableValues(findings: Findings, options: UnusableValueOptions): void {
  if (findings.config.state !== 'local') return;
  checkLineBreaks(findings);
  checkPostgresUser(findings);
  checkPortConflicts(findings);
  if (options.runtime === 'native') checkPrivilegedPorts(findings, options);
}

/** initdb keeps the first line of a password and refuses a user name with a line break. */
function checkLineBreaks(findings: Findings): void {
  for (const key of POSTGRES_KEYS) {
    const value = findings.values[key];
    if (value === undefined || !/[\r\n]/.test(value)) continue;
    findings.error({
      code: 'ENV_VALUE_LINE_BREAK',
      key,
      message: `${key} contains a line break: PostgreSQL ${key === 'POSTGRES_PASSWORD' ? 'keeps only its first line, so no login with the whole value ever succeeds' : 'refuses it'}.`,
      hint: `Write ${key} on one line (a double-quoted "\\n" is a line break too).`,
    });
  }
}

/** Role names beginning with pg_ are reserved; a `"` cannot be quoted where the server user is named. */
function checkPostgresUser(findings: Findings): void {
  const user = findings.values.POSTGRES_USER;
  if (user === undefined) return;
  if (/^pg_/i.test(user)) {
    findings.error({
      code: 'ENV_POSTGRES_USER_RESERVED',
      key: 'POSTGRES_USER',
      message: `POSTGRES_USER is "${user}": PostgreSQL reserves role names that begin with "pg_", and initdb refuses it.`,
      hint: 'Choose another name, e.g. POSTGRES_USER=chainlit.',
    });
  } else if (user.includes('"')) {
    findings.error({
      code: 'ENV_POSTGRES_USER_INVALID',
      key: 'POSTGRES_USER',
      message: 'POSTGRES_USER contains a double quote, which the server setup cannot use in a role name.',
      hint: 'Use letters, digits and underscores, e.g. POSTGRES_USER=chainlit.',
    });
  }
}

/** Two services cannot listen on one port: the second fails to start. */
function checkPortConflicts(findings: Findings): void {
  const seen = new Map<number, string>();
  for (const key of PORT_KEYS) {
    const port = parsePort(findings.value(key) ?? (key in COMPOSE_DEFAULTS ? COMPOSE_DEFAULTS[key as keyof typeof COMPOSE_DEFAULTS] : undefined));
    if (port === undefined) continue;
    const other = seen.get(port);
    if (other === undefined) {
      seen.set(port, key);
      continue;
    }
    const [key1, key2] = findings.value(key) !== undefined ? [other, key] : [key, other];
    findings.error({
      code: 'ENV_PORT_CONFLICT',
      key: key2,
      message: `${key2} and ${key1} are both ${port}: two services cannot listen on one port.`,
      hint: `Give ${key2} another free port.`,
    });
  }
}

/**
 * Natively, Postgres always runs as an unprivileged user (as root: the `postgres` system user) and
 * the S3 server as the user running datalayer: neither may bind a port below the kernel's limit.
 */
function checkPrivilegedPorts(findings: Findings, options: UnusableValueOptions): void {
  const limit = options.firstUnprivilegedPort;
  const keys = options.root ? (['POSTGRES_PORT'] as const) : (['POSTGRES_PORT', 'LOCALSTACK_PORT'] as const);
  for (const key of keys) {
    const port = parsePort(findings.value(key) ?? COMPOSE_DEFAULTS[key]);
    if (port === undefined || port >= limit) continue;
    const who = key === 'POSTGRES_PORT' ? 'PostgreSQL runs as an unprivileged user' : 'the S3 server runs as this user';
    findings.error({
      code: 'ENV_PORT_PRIVILEGED',
      key,
      message: `${key} is ${port}: in the native runtime ${who}, which may not listen on a port below ${limit}.`,
      hint: `Use a port of ${limit} or above, e.g. ${key}=${COMPOSE_DEFAULTS[key]}.`,
    });
  }
}

/** Linux lets unprivileged processes bind from this port on (1024 unless the system lowered it). */
export function firstUnprivilegedPort(): number {
  try {
    const value = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    return Number.isInteger(value) && value >= 0 ? value : 1024;
  } catch {
    // Not Linux, or no /proc: the traditional limit.
    return 1024;
  }
}
