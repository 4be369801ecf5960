import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsV4Signer } from 'aws4fetch';

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1, on a free port, knowing one key pair.
 * s3rver checks the access key but not SigV4 signatures, so a small gate in front of it
 * recomputes each signature with the registered secret: a wrong secret gets
 * SignatureDoesNotMatch, as from AWS.
 */
export interface RealS3 {
  port: number;
  endpoint: string;
  stop(): Promise<void>;
}

export interface RealS3Options {
  accessKey: string;
  secretKey: string;
}

interface S3rverInstance {
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
  logger: { close(): void; exceptions: { unhandle(): void } };
}

interface AwsAccountClass {
  new (id: number, displayName: string): { createKeyPair(accessKey: string, secretKey: string): void };
  registry: Map<string, unknown>;
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
const AwsAccount = require('s3rver/lib/models/account.js') as AwsAccountClass;

export async function startRealS3(options: RealS3Options): Promise<RealS3> {
  const directory = await mkdtemp(join(tmpdir(), 'datalayer-s3-'));
  new AwsAccount(Date.now(), 'datalayer-test').createKeyPair(options.accessKey, options.secretKey);
  const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false, resetOnClose: false });
  const handle = s3rver.callback();
  const secrets = new Map([[options.accessKey, options.secretKey]]);

  const server = createServer((request, response) => {
    verifySignature(request, secrets).then(
      (verdict) => (verdict === 'ok' ? handle(request, response) : refuse(response, verdict)),
      (error: unknown) => refuse(response, `InternalError: ${String(error)}`),
    );
  });
  const port = await listen(server);
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

type Verdict = 'ok' | 'SignatureDoesNotMatch';

/** Re-signs the request with the registered secret and compares; unknown keys are left to s3rver. */
async function verifySignature(request: IncomingMessage, secrets: Map<string, string>): Promise<Verdict> {
  const authorization = request.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
    authorization,
  );
  if (!match) return 'ok';
  const [, accessKey = '', , region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = secrets.get(accessKey);
  if (secret === undefined) return 'ok'; // s3rver answers InvalidAccessKeyId itself
  const headers = new Headers();
  for (const name of signedHeaders.split(';')) {
    const value = request.headers[name];
    if (name !== 'host' && value !== undefined) headers.set(name, Array.isArray(value) ? value.join(',') : value);
  }
  const signer = new AwsV4Signer({
    method: request.method ?? 'GET',
    url: `http://${request.headers.host ?? ''}${request.url ?? '/'}`,
    headers,
    accessKeyId: accessKey,
    secretAccessKey: secret,
    service,
    region,
    datetime: String(request.headers['x-amz-date'] ?? ''),
  });
  return (await signer.signature()) === signature ? 'ok' : 'SignatureDoesNotMatch';
}

function refuse(response: ServerResponse, code: string): void {
  response.writeHead(403, { 'Content-Type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
      '<Message>The request signature we calculated does not match the signature you provided.</Message></Error>',
  );
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
