import { ConfigError, NotReadyError, type DatalayerError } from '../../support/errors.js';
import { networkErrorCode } from '../../support/network-error-code.js';
import { unescapeXml } from './cors.js';

/** The `<Code>` and `<Message>` of an S3 XML error body ('' when absent, e.g. HEAD answers). */
export function parseS3ErrorXml(xml: string): { code: string; message: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '';
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '';
  return { code: unescapeXml(code.trim()), message: unescapeXml(message.trim()) };
}

export interface S3ErrorAnswer {
  status: number;
  code: string;
  message: string;
  /** What was being done, e.g. `creating bucket "chainlit"`. */
  action: string;
  endpoint: string;
}

const credentialCodes = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);
const regionCodes = new Set(['AuthorizationHeaderMalformed', 'PermanentRedirect', 'IllegalLocationConstraintException']);

/** Turns an S3 error answer into the error datalayer reports (exit 3 for settings, 5 for server trouble). */
export function s3AnswerError(answer: S3ErrorAnswer): DatalayerError {
  const detail = answer.code ? `${answer.code}${answer.message ? `: ${answer.message}` : ''}` : `HTTP ${answer.status}`;
  const text = `S3 at ${answer.endpoint} refused ${answer.action} (${detail})`;
  const data = { service: 's3', status: answer.status, code: answer.code };
  if (credentialCodes.has(answer.code)) {
    return new ConfigError(text, {
      hint: 'Check APP_AWS_ACCESS_KEY and APP_AWS_SECRET_KEY: the server does not accept this key pair.',
      data,
    });
  }
  if (regionCodes.has(answer.code)) {
    return new ConfigError(text, { hint: 'Check APP_AWS_REGION: it must be the region of the bucket.', data });
  }
  if (answer.code === 'AccessDenied' || answer.status === 403) {
    return new ConfigError(text, {
      hint: 'The key pair in APP_AWS_ACCESS_KEY / APP_AWS_SECRET_KEY lacks permission for this bucket, or the bucket belongs to someone else.',
      data,
    });
  }
  if (answer.status >= 500 || answer.status === 429) {
    return new NotReadyError(text, { hint: 'The S3 server is not healthy yet; retry in a moment.', data });
  }
  return new ConfigError(text, { hint: 'Check BUCKET_NAME, APP_AWS_REGION and DEV_AWS_ENDPOINT.', data });
}

/** Turns a failed request (no HTTP answer) into the error datalayer reports. */
export function s3NetworkError(error: unknown, endpoint: string, action?: string): DatalayerError {
  const code = networkErrorCode(error);
  const data = { service: 's3', code };
  if (code === 'ENOTFOUND') {
    return new ConfigError(`S3 endpoint ${endpoint}: host name not found.`, {
      hint: 'From the host, DEV_AWS_ENDPOINT must name localhost (compose service names only resolve inside containers).',
      data,
      cause: error,
    });
  }
  if (/CERT|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code)) {
    // An untrusted certificate (self-signed, expired, another host's): waiting will not change it.
    return new ConfigError(`S3 at ${endpoint} is not reachable (${code})${action ? ` while ${action}` : ''}: its TLS certificate is not trusted.`, {
      hint: 'For a local S3 server, DEV_AWS_ENDPOINT takes http://; for a private certificate authority, give Node its certificate with NODE_EXTRA_CA_CERTS.',
      data,
      cause: error,
    });
  }
  return new NotReadyError(`S3 at ${endpoint} is not reachable (${describeNetworkError(error)})${action ? ` while ${action}` : ''}.`, {
    hint: 'Start the services with `datalayer up`, or check DEV_AWS_ENDPOINT.',
    data,
    cause: error,
  });
}

export function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'no answer in time';
  return code || (error instanceof Error ? error.message : String(error));
}
