import { CONTAINER_PORTS, COMPOSE_DEFAULTS } from '../keys.js';
import { fieldProblem, parsePort } from '../schema.js';
import type { Findings } from './findings.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** DATABASE_URL against POSTGRES_*: who logs in, where, and from which side of the compose network. */
export function checkDatabaseUrl(findings: Findings): void {
  const url = findings.value('DATABASE_URL');
  if (url === undefined) return;
  if (checkUnencodedCredentials(findings)) return;
  if (fieldProblem('DATABASE_URL', url)) return; // already reported by the field rules
  const parsed = new URL(url);
  if (parsed.pathname.includes('@')) {
    // `postgresql://user/x:password@host/db`: a `/` in the user cut the URL short, so what follows,
    // password included, reads as the database name. Say so without showing any of it.
    findings.error({
      code: 'ENV_DATABASE_URL_INVALID',
      key: 'DATABASE_URL',
      message: 'DATABASE_URL has an "@" after its host: a "/" in the user name or password ends the host part early.',
      hint: 'Percent-encode "/" as %2F (and "?" as %3F, "#" as %23) in the user name and password.',
    });
    return;
  }
  if (findings.config.state === 'local') checkAgainstPostgresKeys(findings, parsed);
  if (findings.config.state === 'external' && parsed.hostname.toLowerCase() === 'postgres') {
    findings.warning({
      code: 'ENV_DATABASE_URL_COMPOSE_HOST',
      key: 'DATABASE_URL',
      message: 'DATABASE_URL names the host "postgres", a compose service name, but CHAINLIT_DATALAYER_COMPOSE is not set: nothing starts that service, and the name does not resolve outside its containers.',
      hint: 'Set CHAINLIT_DATALAYER_COMPOSE (`datalayer init`) to have datalayer start Postgres, or point DATABASE_URL at your database server.',
    });
  }
  checkPort(findings, parsed);
}

function checkAgainstPostgresKeys(findings: Findings, url: URL): void {
  const expect = (key: 'POSTGRES_USER' | 'POSTGRES_PASSWORD' | 'POSTGRES_DB'): string =>
    findings.value(key) ?? COMPOSE_DEFAULTS[key];
  const user = decodeUrlPart(url.username);
  const password = decodeUrlPart(url.password);
  const database = decodeUrlPart(url.pathname.replace(/^\//, ''));
  if (user !== expect('POSTGRES_USER')) {
    findings.error({
      code: 'ENV_DATABASE_URL_USER_MISMATCH',
      key: 'DATABASE_URL',
      message: `DATABASE_URL logs in as "${user}" but POSTGRES_USER creates "${expect('POSTGRES_USER')}".`,
      hint: 'Use ${POSTGRES_USER} inside DATABASE_URL so the two cannot drift apart.',
    });
  }
  if (password !== expect('POSTGRES_PASSWORD')) {
    findings.error({
      code: 'ENV_DATABASE_URL_PASSWORD_MISMATCH',
      key: 'DATABASE_URL',
      message: 'The password in DATABASE_URL differs from POSTGRES_PASSWORD.',
      hint: 'Use ${POSTGRES_PASSWORD} inside DATABASE_URL so the two cannot drift apart.',
    });
  }
  if (database !== expect('POSTGRES_DB')) {
    findings.error({
      code: 'ENV_DATABASE_URL_DB_MISMATCH',
      key: 'DATABASE_URL',
      message: `DATABASE_URL names database "${database}" but POSTGRES_DB creates "${expect('POSTGRES_DB')}".`,
      hint: 'Use ${POSTGRES_DB} inside DATABASE_URL.',
    });
  }
}

function checkPort(findings: Findings, url: URL): void {
  const port = url.port === '' ? 5432 : Number(url.port);
  const host = url.hostname.toLowerCase();
  if (host === 'postgres' && port !== CONTAINER_PORTS.postgres) {
    findings.error({
      code: 'ENV_DATABASE_URL_CONTAINER_PORT',
      key: 'DATABASE_URL',
      message: `DATABASE_URL uses host "postgres" with port ${port}, but inside the compose network Postgres always listens on ${CONTAINER_PORTS.postgres}; POSTGRES_PORT only changes the port published on the host.`,
      hint: 'Write postgres:5432 in DATABASE_URL (not postgres:${POSTGRES_PORT}); processes on the host use localhost:${POSTGRES_PORT}.',
    });
  }
  const published = parsePort(findings.value('POSTGRES_PORT') ?? COMPOSE_DEFAULTS.POSTGRES_PORT);
  if (findings.config.state === 'local' && LOCAL_HOSTS.has(host) && published !== undefined && port !== published) {
    findings.error({
      code: 'ENV_DATABASE_URL_HOST_PORT',
      key: 'DATABASE_URL',
      message: `DATABASE_URL uses ${host}:${port}, but Postgres is published on POSTGRES_PORT=${published}.`,
      hint: 'Use localhost:${POSTGRES_PORT} in DATABASE_URL for a process on the host.',
    });
  }
}

/** Characters a URL's user or password must percent-encode: they end the user info, the host or the path. */
const URL_DELIMITERS = /[%@:/?#[\]\s]/g;
const BREAKS_THE_URL = /[%/?#[\]\s]/;

/**
 * A POSTGRES_USER or POSTGRES_PASSWORD copied into DATABASE_URL as typed (`${POSTGRES_PASSWORD}`)
 * while it holds `%`, `@`, `:`, `/`...: the URL then names another password (or none at all), and
 * the other rules would blame a mismatch or an invalid URL.
 */
export function unencodedCredential(findings: Findings): { key: 'POSTGRES_PASSWORD' | 'POSTGRES_USER'; value: string; special: string[] } | undefined {
  const url = findings.value('DATABASE_URL');
  if (url === undefined) return undefined;
  for (const key of ['POSTGRES_PASSWORD', 'POSTGRES_USER'] as const) {
    const value = findings.value(key);
    const special = value === undefined ? [] : [...new Set(value.match(URL_DELIMITERS) ?? [])];
    if (value === undefined || special.length === 0) continue;
    const embedded = key === 'POSTGRES_PASSWORD' ? url.includes(`:${value}@`) : url.includes(`//${value}:`) || url.includes(`//${value}@`);
    if (embedded) return { key, value, special };
  }
  return undefined;
}

/** Reports the credential DATABASE_URL does not encode; returns true when there was one. */
function checkUnencodedCredentials(findings: Findings): boolean {
  const found = unencodedCredential(findings);
  if (!found) return false;
  const { key, value, special } = found;
  const what = key === 'POSTGRES_PASSWORD' ? 'password' : 'user name';
  const name = (character: string) => (/\s/.test(character) ? 'a space' : `"${character}"`);
  const encoded = special.map((character) => `${name(character)} as ${percentEncoded(character)}`).join(', ');
  findings.add({
    severity: BREAKS_THE_URL.test(value) ? 'error' : 'warning',
    code: 'ENV_DATABASE_URL_NOT_ENCODED',
    key: 'DATABASE_URL',
    message: `${key} contains ${special.map(name).join(', ')}, and DATABASE_URL takes it as is: in a URL ${special.length === 1 ? 'that character' : 'those characters'} must be percent-encoded, or Chainlit, Prisma and datalayer read another ${what} (or no URL at all).`,
    hint: `In DATABASE_URL write the ${what} percent-encoded instead of \${${key}} (${encoded}) and keep ${key} as it is; or choose one of letters, digits, "-", "_", "." and "~".`,
  });
  return true;
}

function percentEncoded(character: string): string {
  return `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host.toLowerCase());
}

/** A URL part percent-decoded, or as written when it holds a stray `%` (decodeURIComponent would throw). */
export function decodeUrlPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray % that is not an escape: compare the text as written.
    return text;
  }
}
