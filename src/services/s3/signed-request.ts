/**
 * One signed S3 request over node:http(s), with a streamed body in either direction. Every S3 call
 * datalayer makes goes through here: fetch cannot send a stream with a Content-Length (S3 refuses
 * chunked uploads without aws-chunked framing), objects are too large to hold in memory, and on
 * Node 20 the first fetch loads Node's whole fetch implementation, a cost that `up` on a running
 * stack would pay for three small requests.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';
import aws4 from 'aws4';
import { dialLoopbackFirst, socketHost } from '../loopback.js';
import { s3NetworkError } from './errors.js';

export interface S3Settings {
  /** DEV_AWS_ENDPOINT; without it, the AWS regional endpoint. */
  endpoint?: string;
  region: string;
  accessKey: string;
  secretKey: string;
}

/** DEV_AWS_ENDPOINT without its trailing slash, or the regional AWS endpoint. */
export function resolveS3Endpoint(settings: Pick<S3Settings, 'endpoint' | 'region'>): string {
  const endpoint = settings.endpoint?.trim();
  if (endpoint) return endpoint.replace(/\/+$/, '');
  return `https://s3.${settings.region}.amazonaws.com`;
}

export interface SignedRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Bucket, then key; each is encoded here. */
  bucket?: string;
  key?: string;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  /** A small body held in memory, or a stream whose length and SHA-256 are known beforehand. */
  body?: Buffer | { stream: () => Readable; size: number; sha256: string };
  /** What is being done, for error messages (`reading object "a/b"`). */
  action: string;
}

/** What an S3 answer carries before its body is read. */
export type S3Response = IncomingMessage;

/** S3's URI encoding of one path segment: everything but unreserved characters. */
export function encodeS3Segment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function objectPath(bucket: string | undefined, key: string | undefined): string {
  if (bucket === undefined) return '/';
  const keyPath = key === undefined ? '' : `/${key.split('/').map(encodeS3Segment).join('/')}`;
  return `/${encodeS3Segment(bucket)}${keyPath}`;
}

export class SignedS3 {
  readonly endpoint: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly signal?: AbortSignal,
    private readonly timeoutMs = 30_000,
  ) {
    this.endpoint = resolveS3Endpoint(settings);
  }

  /** Sends the request; the caller reads (or drains) the response body. */
  async send(request: SignedRequest): Promise<S3Response> {
    const url = new URL(`${this.endpoint}${objectPath(request.bucket, request.key)}`);
    // As S3's SDKs write it: a subresource without a value is the bare name (`?cors`).
    const query = (request.query ?? []).map(([name, value]) => (value === '' ? encodeS3Segment(name) : `${encodeS3Segment(name)}=${encodeS3Segment(value)}`));
    const pathAndQuery = `${url.pathname}${query.length > 0 ? `?${query.join('&')}` : ''}`;
    const body = request.body;
    const sha256 = body === undefined ? sha256Hex(Buffer.alloc(0)) : Buffer.isBuffer(body) ? sha256Hex(body) : body.sha256;
    // aws4 signs the path S3 decodes: each segment decoded, then encoded again its way. The body is
    // not handed to it: its hash travels in X-Amz-Content-Sha256, which it signs.
    const signed = aws4.sign(
      {
        host: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        method: request.method,
        path: pathAndQuery,
        headers: { ...request.headers, 'X-Amz-Content-Sha256': sha256 },
        service: 's3',
        region: this.settings.region,
      },
      { accessKeyId: this.settings.accessKey, secretAccessKey: this.settings.secretKey },
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
    if (request.method === 'PUT' || request.method === 'POST' || size > 0) headers['content-length'] = String(size);
    // Dialled by address, the request still names the host the signature covers (its Host header).
    const dial = url.protocol === 'http:' ? dialLoopbackFirst : (hostname: string, attempt: (host: string) => Promise<S3Response>) => attempt(hostname);
    return dial(url.hostname, (hostname) => {
      const target = { protocol: url.protocol, hostname: socketHost(hostname), port: url.port, path: pathAndQuery };
      // Plain HTTP has no TLS server name; left unset, Node's agent derives one from the Host header, by the same costly question.
      return this.transmit(url.protocol === 'http:' ? { ...target, servername: '' } : target, request, headers);
    });
  }

  private async transmit(target: RequestOptions, request: SignedRequest, headers: Record<string, string>): Promise<S3Response> {
    const body = request.body;
    // TLS is loaded for an https endpoint only: the local S3 servers speak plain HTTP.
    const transport = target.protocol === 'https:' ? await import('node:https') : http;
    return new Promise<S3Response>((resolve, reject) => {
      const outgoing = transport.request({ ...target, method: request.method, headers, signal: this.signal, timeout: this.timeoutMs });
      outgoing.on('response', resolve);
      outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })));
      outgoing.on('error', (error) => reject(this.signal?.aborted ? this.signal.reason : s3NetworkError(error, this.endpoint, request.action)));
      if (body === undefined) outgoing.end();
      else if (Buffer.isBuffer(body)) outgoing.end(body);
      else {
        const source = body.stream();
        source.on('error', (error) => outgoing.destroy(error));
        // A request that failed (refused, timed out) closes the file it was sending.
        outgoing.on('error', () => source.destroy());
        source.pipe(outgoing);
      }
    });
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The whole body of a (small) answer, as text. */
export async function readText(response: S3Response): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
