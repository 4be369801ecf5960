import pg from 'pg';
import { ConfigError, NotReadyError, type DatalayerError } from '../../support/errors.js';
import { maskUrlPassword } from '../../report/redactor.js';
import { dialLoopbackFirst } from '../loopback.js';

/** Why a connection attempt failed, in the terms a person can act on. */
export type PostgresFailureKind =
  | 'refused'
  | 'timeout'
  | 'starting'
  | 'auth'
  | 'database-missing'
  | 'host-not-found'
  | 'other';

export interface PostgresFailure {
  kind: PostgresFailureKind;
  /** One line, never containing the password. */
  reason: string;
  /** Waiting cannot fix it (wrong credentials, missing database, unknown host). */
  permanent: boolean;
}

export interface ConnectOptions {
  /** Kept short so a caller's overall deadline holds even when packets are dropped. */
  connectTimeoutMs?: number;
}

export const defaultConnectTimeoutMs = 2_000;

/** Opens one connection; the caller ends it. Errors are raw `pg` / socket errors (see classify). */
export async function openPostgresClient(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const parsed = parseUrl(url);
  // Only a URL without parameters: TLS settings would check the certificate against the address.
  if (!parsed || parsed.search !== '') return connectTo(url, options);
  return dialLoopbackFirst(parsed.hostname, (host) => {
    if (host === parsed.hostname) return connectTo(url, options);
    const direct = new URL(url);
    direct.hostname = host;
    return connectTo(direct.toString(), options);
  });
}

async function connectTo(url: string, options: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? defaultConnectTimeoutMs,
    application_name: 'datalayer',
  });
  // A server that goes away later emits 'error' on the idle client; the pending query rejects
  // anyway, so the event only needs a listener to not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined); // the connect error is the one worth reporting
    throw error;
  }
  return client;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    // Not a URL the WHATWG parser accepts: pg reads it its own way, by name.
    return undefined;
  }
}

/** Host, port, user and database of a URL, for messages (no password). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    return `${parsed.hostname}:${parsed.port || '5432'}/${database} as ${decodeURIComponent(parsed.username)}`;
  } catch {
    // Not a URL that the WHATWG parser accepts: show it masked rather than nothing.
    return maskUrlPassword(url);
  }
}

interface ErrorWithCode {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

function codeOf(error: unknown): string {
  const value = (error as ErrorWithCode | null)?.code;
  if (typeof value === 'string') return value;
  // Node wraps "refused on every address" (IPv4 + IPv6) in an AggregateError.
  const inner = (error as ErrorWithCode | null)?.errors;
  if (Array.isArray(inner) && inner.length > 0) return codeOf(inner[0]);
  return '';
}

function messageOf(error: unknown): string {
  const message = (error as ErrorWithCode | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Sorts a connection failure into something to wait for, or a configuration mistake. */
export function classifyPostgresError(error: unknown, password?: string): PostgresFailure {
  const code = codeOf(error);
  const message = scrub(messageOf(error), password);
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'refused', reason: 'connection refused', permanent: false };
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'refused', reason: 'connection closed by the server', permanent: false };
    case 'ETIMEDOUT':
      return { kind: 'timeout', reason: 'connection timed out', permanent: false };
    case 'ENOTFOUND':
      return { kind: 'host-not-found', reason: 'host name not found', permanent: true };
    case 'EAI_AGAIN':
      return { kind: 'other', reason: 'host name lookup failed temporarily', permanent: false };
    case '57P03':
      return { kind: 'starting', reason: `the server is starting up (${message})`, permanent: false };
    case '28P01':
    case '28000':
      return { kind: 'auth', reason: `authentication failed (${message})`, permanent: true };
    case '3D000':
      return { kind: 'database-missing', reason: message, permanent: true };
  }
  if (/timeout/i.test(message)) return { kind: 'timeout', reason: 'connection timed out', permanent: false };
  // pg raises a plain Error when the server asks for a password that the URL does not hold.
  if (/SASL|password/i.test(message)) return { kind: 'auth', reason: `authentication failed (${message})`, permanent: true };
  if (/terminat|Connection terminated/i.test(message)) {
    return { kind: 'refused', reason: 'connection closed by the server', permanent: false };
  }
  return { kind: 'other', reason: message, permanent: false };
}

/** The error to throw for a failure that waiting cannot fix, or for a one-shot connection. */
export function postgresFailureError(failure: PostgresFailure, url: string): DatalayerError {
  const where = describePostgresUrl(url);
  switch (failure.kind) {
    case 'auth':
      return new ConfigError(`Postgres at ${where} rejected the credentials: ${failure.reason}`, {
        hint:
          'Check POSTGRES_USER / POSTGRES_PASSWORD and the user and password in DATABASE_URL. An existing data ' +
          'directory keeps the password it was first created with: changing POSTGRES_PASSWORD later has no effect.',
        data: { service: 'postgres', reason: failure.kind },
      });
    case 'database-missing':
      return new ConfigError(`Postgres at ${where}: ${failure.reason}`, {
        hint:
          'Check POSTGRES_DB and the database in DATABASE_URL. An existing data directory keeps the database it was ' +
          'first created with.',
        data: { service: 'postgres', reason: failure.kind },
      });
    case 'host-not-found':
      return new ConfigError(`Postgres at ${where}: ${failure.reason}`, {
        hint: 'From the host, DATABASE_URL must name localhost (compose service names only resolve inside containers).',
        data: { service: 'postgres', reason: failure.kind },
      });
    default:
      return new NotReadyError(`Postgres at ${where} is not reachable: ${failure.reason}`, {
        hint: 'Start the services with `datalayer up`, or check DATABASE_URL.',
        data: { service: 'postgres', reason: failure.kind },
      });
  }
}

/** Opens a connection or throws the classified DatalayerError (no waiting). */
export async function connectOrExplain(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  try {
    return await openPostgresClient(url, options);
  } catch (error) {
    throw postgresFailureError(classifyPostgresError(error, passwordOf(url)), url);
  }
}

export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    // An unparsable URL: the caller's masking of the whole URL still applies.
    return undefined;
  }
}

/** Server messages do not normally echo the password, but make sure. */
function scrub(message: string, password: string | undefined): string {
  if (!password || password.length < 3) return message;
  return message.split(password).join('****');
}
