import type { IncomingMessage } from 'node:http';
import { S3Error } from './errors.js';

/** What the server reads out of a request's line and headers, before anything else. */
export interface RequestTarget {
  method: string;
  /** The path exactly as sent (still percent-encoded): SigV2 signs it as is. */
  rawPath: string;
  /** The path decoded: what SigV4 signs, each segment encoded again. */
  path: string;
  /** Query parameters in order, decoded. */
  query: Array<[string, string]>;
  /** Lower-case header names; every value of repeated headers, in order. */
  headers: Map<string, string[]>;
  /** Named in a virtual-hosted request's Host (`bucket.localhost`), else from the path. */
  bucket: string | undefined;
  /** The object key, decoded; '' for a bucket or the service. */
  key: string;
  virtualHosted: boolean;
}

export function readRequestTarget(request: IncomingMessage): RequestTarget {
  const url = request.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidRequest', 'The request path must start with /.');
  const query = parseQuery(mark < 0 ? '' : url.slice(mark + 1));
  const headers = collectHeaders(request.rawHeaders);
  const hostBucket = bucketOfHost(firstHeader(headers, 'host'));
  const path = decodePath(rawPath);
  if (hostBucket !== undefined) return { method: request.method ?? 'GET', rawPath, path, query, headers, bucket: hostBucket, key: path.slice(1), virtualHosted: true };
  const slash = path.indexOf('/', 1);
  const bucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const key = slash < 0 ? '' : path.slice(slash + 1);
  return { method: request.method ?? 'GET', rawPath, path, query, headers, bucket: bucket === '' ? undefined : bucket, key, virtualHosted: false };
}

/** `a=1&b&c=%20` to pairs; `+` is a space, as in form encoding (what SigV4 signers assume). */
export function parseQuery(raw: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    pairs.push([decodeComponent(name.replace(/\+/g, ' ')), decodeComponent(value.replace(/\+/g, ' '))]);
  }
  return pairs;
}

/** The path with its percent-escapes decoded (a `+` stays a `+`, as S3 reads paths). */
export function decodePath(rawPath: string): string {
  return decodeComponent(rawPath);
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new S3Error('InvalidArgument', 'The request URL has an invalid percent-encoding (it must be UTF-8).');
  }
}

function collectHeaders(rawHeaders: readonly string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(rawHeaders[index + 1] ?? '');
    headers.set(name, values);
  }
  return headers;
}

export function firstHeader(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0];
}

export function queryValue(target: Pick<RequestTarget, 'query'>, name: string): string | undefined {
  return target.query.find(([key]) => key === name)?.[1];
}

export function hasQuery(target: Pick<RequestTarget, 'query'>, name: string): boolean {
  return target.query.some(([key]) => key === name);
}

/** `my-bucket.localhost:4566` names the bucket (virtual-hosted style); `localhost`, an IP: none. */
function bucketOfHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = '.localhost';
  return name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : undefined;
}
