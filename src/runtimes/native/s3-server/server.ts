/**
 * The S3-compatible HTTP server of the native runtime. Every request is authenticated against the
 * one configured key pair before it is routed (CORS preflights excepted, as on S3); bodies are
 * decoded and verified before anything is stored; every request is logged as one line.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authenticate, type KeyPair } from './authenticate.js';
import { corsResponseHeaders, matchCorsRule, type CorsRequest } from './cors-rules.js';
import { S3Error } from './errors.js';
import { importLegacyBuckets } from './legacy-import.js';
import { MultipartStore } from './multipart-store.js';
import { isValidBucketName } from './names.js';
import { ObjectStore } from './object-store.js';
import type { Reply } from './reply.js';
import { formatRequestLine } from './request-log.js';
import { firstHeader, readRequestTarget, type RequestTarget } from './request-target.js';
import { route } from './router.js';
import { xmlDocument } from './xml.js';

export interface S3ServerOptions {
  /** The data directory (created if missing). */
  directory: string;
  keys: KeyPair;
  /** Receives each log line, without its line break. */
  log: (line: string) => void;
  now?: () => Date;
  /**
   * Listen before touching the directory: a second server started on the same directory fails on
   * the taken port before it clears the first one's uploads in progress. Without it, the caller listens.
   */
  listen?: { port: number; host: string };
}

export async function createS3Server(options: S3ServerOptions): Promise<Server> {
  const store = new ObjectStore(options.directory);
  let storeReady: Promise<void> | undefined;
  const multipart = new MultipartStore(store);
  const now = options.now ?? (() => new Date());
  const secrets = [options.keys.accessKeyId, options.keys.secretAccessKey];

  const handle = async (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const started = performance.now();
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    let code = '';
    response.on('close', () => {
      const entry = { time: now(), method: request.method ?? '', url: request.url ?? '', status: response.statusCode, code, milliseconds: performance.now() - started, bytes: bytesWritten(response) };
      options.log(formatRequestLine(entry, secrets));
    });
    response.setHeader('x-amz-request-id', requestId);
    let target: RequestTarget | undefined;
    try {
      await storeReady;
      target = readRequestTarget(request);
      if (target.method === 'OPTIONS') return await send(response, await preflight(target, store));
      const auth = authenticate(target, options.keys, now());
      if (expectsContinue) response.writeContinue();
      const reply = await route({ target, request, auth, store, multipart });
      await send(response, reply, await actualCorsHeaders(target, store));
    } catch (error) {
      const failure = error instanceof S3Error ? error : internalError(error, options.log);
      code = failure.code;
      await sendError(request, response, failure, requestId, target ? await corsHeadersOfFailure(target, store, options.log) : {});
    }
  };

  const server = createServer({ requestTimeout: 30 * 60 * 1000 }, (request, response) => void handle(request, response, false));
  // Expect: 100-continue: the body is only asked for once the request is authenticated.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => void handle(request, response, true));
  if (options.listen) await listen(server, options.listen.port, options.listen.host);
  storeReady = store.open().then(() => importLegacyBuckets(store, options.log));
  await storeReady;
  return server;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function send(response: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): Promise<void> {
  for (const [name, value] of Object.entries({ ...extraHeaders, ...reply.headers })) response.setHeader(name, value);
  response.statusCode = reply.status;
  if (reply.body instanceof Readable) {
    await pipeline(reply.body, response);
    return;
  }
  if (reply.body !== undefined && !response.hasHeader('Content-Length')) response.setHeader('Content-Length', Buffer.byteLength(reply.body));
  response.end(reply.body);
}

async function sendError(request: IncomingMessage, response: ServerResponse, error: S3Error, requestId: string, cors: Record<string, string>): Promise<void> {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // A body that was not read is not read now: the connection is closed after the answer.
  if (!request.complete) response.setHeader('Connection', 'close');
  const body = request.method === 'HEAD' ? undefined : xmlDocument('Error', { Code: error.code, Message: error.message, ...error.details, RequestId: requestId }).replace(/ xmlns="[^"]*"/, '');
  await send(response, { status: error.status, headers: { 'Content-Type': 'application/xml' }, body }, cors);
}

function internalError(error: unknown, log: (line: string) => void): S3Error {
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`.replace(/\n/g, ' | '));
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.');
}

function bytesWritten(response: ServerResponse): number {
  return Number(response.getHeader('content-length') ?? 0) || 0;
}

/** CORS headers for an error answer; a failure to read the rules is logged, the error still sent. */
async function corsHeadersOfFailure(target: RequestTarget, store: ObjectStore, log: (line: string) => void): Promise<Record<string, string>> {
  try {
    return await actualCorsHeaders(target, store);
  } catch (error) {
    log(`could not read the CORS rules of ${target.bucket ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}

function corsRequestOf(target: RequestTarget, preflightRequest: boolean): CorsRequest | undefined {
  const origin = firstHeader(target.headers, 'origin');
  const method = preflightRequest ? firstHeader(target.headers, 'access-control-request-method') : target.method;
  if (!origin || !method) return undefined;
  const requested = preflightRequest ? (firstHeader(target.headers, 'access-control-request-headers') ?? '') : '';
  return { origin, method, headers: requested.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean) };
}

/** A preflight is answered from the bucket's CORS rules, without authentication, as S3 does. */
async function preflight(target: RequestTarget, store: ObjectStore): Promise<Reply> {
  const request = corsRequestOf(target, true);
  if (!request) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  const forbidden = new S3Error('AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
  if (target.bucket === undefined || !isValidBucketName(target.bucket)) throw forbidden;
  const bucket = await store.readBucket(target.bucket);
  const rule = bucket?.cors ? matchCorsRule(bucket.cors, request) : undefined;
  if (!rule) throw forbidden;
  return { status: 200, headers: corsResponseHeaders(rule, request, true) };
}

async function actualCorsHeaders(target: RequestTarget, store: ObjectStore): Promise<Record<string, string>> {
  const request = corsRequestOf(target, false);
  if (!request || target.bucket === undefined || !isValidBucketName(target.bucket)) return {};
  const rules = (await store.readBucket(target.bucket))?.cors;
  const rule = rules ? matchCorsRule(rules, request) : undefined;
  return rule ? corsResponseHeaders(rule, request, false) : {};
}
