/**
 * The pieces of AWS Signature Version 4 that a verifier needs, as S3 computes them: the canonical
 * request, the string to sign, the signing key, and the chunk and trailer signatures of streamed
 * uploads. Pure functions; `authenticate.ts` decides what to feed them from a request.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface CredentialScope {
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
}

export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

/** RFC 3986 percent-encoding: only A-Z a-z 0-9 - . _ ~ stay as they are. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** S3's canonical URI: the decoded path, each segment encoded once (no normalisation of `.`, `..`, `//`). */
export function canonicalUri(decodedPath: string): string {
  return decodedPath.split('/').map(encodeRfc3986).join('/');
}

/** Parameters encoded, sorted by name then value; `omit` (the signature itself) left out. */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]>, omit?: string): string {
  return query
    .filter(([name]) => name !== omit)
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Values trimmed, inner runs of spaces made one, repeated headers joined by commas. */
export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** Signed header names, as listed by the client, with their canonical values. */
  headers: ReadonlyArray<readonly [string, string]>;
  payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headerLines = parts.headers.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = parts.headers.map(([name]) => name).join(';');
  return [parts.method, parts.canonicalUri, parts.canonicalQuery, headerLines, signedHeaders, parts.payloadHash].join('\n');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scopeString(scope), sha256Hex(canonical)].join('\n');
}

export function signingKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(scope.date).digest();
  const regionKey = createHmac('sha256', dateKey).update(scope.region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(scope.service).digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}

export function signatureOf(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/** The signature of one chunk of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body. */
export function chunkSignature(key: Buffer, amzDate: string, scope: CredentialScope, previousSignature: string, chunkSha256: string): string {
  const text = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scopeString(scope), previousSignature, EMPTY_SHA256, chunkSha256].join('\n');
  return signatureOf(key, text);
}

/** The signature of the trailing headers of a `...-PAYLOAD-TRAILER` body (`name:value\n` each). */
export function trailerSignature(key: Buffer, amzDate: string, scope: CredentialScope, previousSignature: string, trailerText: string): string {
  const text = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scopeString(scope), previousSignature, sha256Hex(trailerText)].join('\n');
  return signatureOf(key, text);
}

/** Constant-time comparison of two signatures (hex or base64 text). */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `20130524T000000Z` to a date; undefined when it is not that form. */
export function parseAmzDate(text: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
