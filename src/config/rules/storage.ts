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
    findings.add({
      severity: 'error',
      code: 'ENV_S3_INCOMPLETE',
      key: missing[0],
      message: `S3 storage needs all of ${S3_KEYS.join(', ')}; ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing, so Chainlit will store no attachments.`,
      hint: `Set ${missing.join(' and ')} (any value works for the local S3).`,
      lineKey: s3Set[0],
    });
  }
  const providers = [
    s3Set.length === S3_KEYS.length ? 'S3' : undefined,
    findings.value(GCS_KEYS[0]) !== undefined ? 'GCS' : undefined,
    AZURE_KEYS.every((key) => findings.value(key) !== undefined) ? 'Azure' : undefined,
  ].filter((p): p is string => p !== undefined);
  if (providers.length > 1) {
    findings.error({
      code: 'ENV_STORAGE_CONFLICT',
      key: providers.includes('Azure') ? AZURE_KEYS[0] : GCS_KEYS[0],
      message: `${providers.join(' and ')} storage are both configured; Chainlit then stores no attachments at all.`,
      hint: 'Keep the variables of one storage provider and comment out the others.',
    });
  }
  if (findings.config.state === 'local' && s3Set.length === 0) {
    findings.warning({
      code: 'ENV_S3_NOT_CONFIGURED',
      message: 'No APP_AWS_* keys: the local S3 runs, but Chainlit will not store attachments in it.',
      hint: 'Run `datalayer init` to add the S3 keys, or set APP_AWS_ACCESS_KEY, APP_AWS_SECRET_KEY and APP_AWS_REGION.',
    });
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
    findings.error({
      code: 'ENV_ENDPOINT_CONTAINER_PORT',
      key: 'DEV_AWS_ENDPOINT',
      message: `DEV_AWS_ENDPOINT uses host "localstack" with port ${port}, but inside the compose network LocalStack listens on ${CONTAINER_PORTS.localstack}; LOCALSTACK_PORT only changes the port published on the host.`,
      hint: 'Write http://localstack:4566 for a container, or http://localhost:${LOCALSTACK_PORT} for a process on the host.',
    });
  }
  if (findings.config.state === 'local' && isLocalHost(host) && published !== undefined && port !== published) {
    findings.error({
      code: 'ENV_ENDPOINT_HOST_PORT',
      key: 'DEV_AWS_ENDPOINT',
      message: `DEV_AWS_ENDPOINT uses ${host}:${port}, but S3 is published on LOCALSTACK_PORT=${published}.`,
      hint: 'Use http://localhost:${LOCALSTACK_PORT} for a process on the host.',
    });
  }
}

function checkDefaultCredentials(findings: Findings): void {
  const databaseUrl = findings.value('DATABASE_URL');
  if (databaseUrl && !fieldProblem('DATABASE_URL', databaseUrl)) {
    const url = new URL(databaseUrl);
    const local = isLocalHost(url.hostname) || url.hostname === 'postgres';
    if (!local && PUBLIC_DEFAULT_SECRETS.has(decodeUrlPart(url.password))) {
      findings.warning({
        code: 'ENV_DEFAULT_CREDENTIALS',
        key: 'DATABASE_URL',
        message: `DATABASE_URL points at ${url.hostname} with a default password.`,
        hint: 'Use a real password for any database that is not on this machine.',
      });
    }
  }
  const endpoint = findings.value('DEV_AWS_ENDPOINT');
  const endpointHost = endpoint && URL.canParse(endpoint) ? new URL(endpoint).hostname : undefined;
  const remoteS3 = endpointHost === undefined ? findings.config.state === 'external' : !isLocalHost(endpointHost) && endpointHost !== 'localstack';
  if (remoteS3 && PUBLIC_DEFAULT_SECRETS.has(findings.value('APP_AWS_SECRET_KEY') ?? '')) {
    findings.warning({
      code: 'ENV_DEFAULT_CREDENTIALS',
      key: 'APP_AWS_SECRET_KEY',
      message: `APP_AWS_SECRET_KEY is a default value but S3 is ${endpointHost ?? 'AWS'}, not a local server.`,
      hint: 'Use the real key pair of that S3 account.',
    });
  }
}
