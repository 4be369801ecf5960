import { PUBLIC_DEFAULT_SECRETS } from '../../report/redactor.js';
import { AZURE_KEYS, CONTAINER_PORTS, COMPOSE_DEFAULTS, GCS_KEYS, S3_KEYS } from '../keys.js';
import { fieldProblem, parsePort } from '../schema.js';
import { decodeUrlPart, isLocalHost } from './database-url.js';
import type { Findings } from './findings.js';

/** Chainlit uses S3 only when all three APP_AWS_* are set, and no storage at all when two providers are. */
export function checkStorage(findings: Findings): void {
  if (findings.config.state === 'disabled') return;
  const s3Set = S3_KEYS.filter((key) => findings.value(key) !== undefined);
  if (s3Set.length > 0 && s3Set.length < S3_KEYS.length) {
    const missing = S3_KEYS.filter((key) => !s3Set.includes(key));
    findings.add(
      'error',
      'ENV_S3_INCOMPLETE',
      missing[0],
      `S3 storage needs all of ${S3_KEYS.join(', ')}; ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing, so Chainlit will store no attachments.`,
      `Set ${missing.join(' and ')} (any value works for the local S3).`,
      s3Set[0],
    );
  }
  const providers = [
    s3Set.length === S3_KEYS.length ? 'S3' : undefined,
    findings.value(GCS_KEYS[0]) !== undefined ? 'GCS' : undefined,
    AZURE_KEYS.every((key) => findings.value(key) !== undefined) ? 'Azure' : undefined,
  ].filter((p): p is string => p !== undefined);
  if (providers.length > 1) {
    findings.error(
      'ENV_STORAGE_CONFLICT',
      providers.includes('Azure') ? AZURE_KEYS[0] : GCS_KEYS[0],
      `${providers.join(' and ')} storage are both configured; Chainlit then stores no attachments at all.`,
      'Keep the variables of one storage provider and comment out the others.',
    );
  }
  if (findings.config.state === 'local' && s3Set.length === 0) {
    findings.warning(
      'ENV_S3_NOT_CONFIGURED',
      undefined,
      'No APP_AWS_* keys: the local S3 runs, but Chainlit will not store attachments in it.',
      'Run `datalayer init` to add the S3 keys, or set APP_AWS_ACCESS_KEY, APP_AWS_SECRET_KEY and APP_AWS_REGION.',
    );
  }
  checkEndpoint(findings);
  checkDefaultCredentials(findings);
}

function checkEndpoint(findings: Findings): void {
  const endpoint = findings.value('DEV_AWS_ENDPOINT');
  if (endpoint === undefined || fieldProblem('DEV_AWS_ENDPOINT', endpoint)) return;
  const url = new URL(endpoint);
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const published = parsePort(findings.value('LOCALSTACK_PORT') ?? COMPOSE_DEFAULTS.LOCALSTACK_PORT);
  if (host === 'localstack' && port !== CONTAINER_PORTS.localstack) {
    findings.error(
      'ENV_ENDPOINT_CONTAINER_PORT',
      'DEV_AWS_ENDPOINT',
      `DEV_AWS_ENDPOINT uses host "localstack" with port ${port}, but inside the compose network LocalStack listens on ${CONTAINER_PORTS.localstack}; LOCALSTACK_PORT only changes the port published on the host.`,
      'Write http://localstack:4566 for a container, or http://localhost:${LOCALSTACK_PORT} for a process on the host.',
    );
  }
  if (findings.config.state === 'local' && isLocalHost(host) && published !== undefined && port !== published) {
    findings.error(
      'ENV_ENDPOINT_HOST_PORT',
      'DEV_AWS_ENDPOINT',
      `DEV_AWS_ENDPOINT uses ${host}:${port}, but S3 is published on LOCALSTACK_PORT=${published}.`,
      'Use http://localhost:${LOCALSTACK_PORT} for a process on the host.',
    );
  }
}

function checkDefaultCredentials(findings: Findings): void {
  const databaseUrl = findings.value('DATABASE_URL');
  if (databaseUrl && !fieldProblem('DATABASE_URL', databaseUrl)) {
    const url = new URL(databaseUrl);
    const local = isLocalHost(url.hostname) || url.hostname === 'postgres';
    if (!local && PUBLIC_DEFAULT_SECRETS.has(decodeUrlPart(url.password))) {
      findings.warning(
        'ENV_DEFAULT_CREDENTIALS',
        'DATABASE_URL',
        `DATABASE_URL points at ${url.hostname} with a default password.`,
        'Use a real password for any database that is not on this machine.',
      );
    }
  }
  const endpoint = findings.value('DEV_AWS_ENDPOINT');
  const endpointHost = endpoint && URL.canParse(endpoint) ? new URL(endpoint).hostname : undefined;
  const remoteS3 = endpointHost === undefined ? findings.config.state === 'external' : !isLocalHost(endpointHost) && endpointHost !== 'localstack';
  if (remoteS3 && PUBLIC_DEFAULT_SECRETS.has(findings.value('APP_AWS_SECRET_KEY') ?? '')) {
    findings.warning(
      'ENV_DEFAULT_CREDENTIALS',
      'APP_AWS_SECRET_KEY',
      `APP_AWS_SECRET_KEY is a default value but S3 is ${endpointHost ?? 'AWS'}, not a local server.`,
      'Use the real key pair of that S3 account.',
    );
  }
}
