/**
 * Every request but a CORS preflight must prove it knows the configured key pair, as on S3:
 * SigV4 in the Authorization header or in the query (presigned URLs, expiry honoured), or SigV2 in
 * either. Anything else is refused with S3's own error codes. The result says how the body is to be
 * checked (its SHA-256, the signatures of its chunks, or not at all when the signer chose so).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { accessDenied, S3Error } from './errors.js';
import { firstHeader, hasQuery, queryValue, type RequestTarget } from './request-target.js';
import { sigV2Signature, sigV2StringToSign } from './sigv2.js';
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  parseAmzDate,
  signatureOf,
  signaturesEqual,
  signingKey,
  stringToSign,
  SIGV4_ALGORITHM,
  type CredentialScope,
} from './sigv4.js';

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: CredentialScope;
  seedSignature: string;
}

/** How the body must be checked. */
export type PayloadCheck =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expected: string }
  | { kind: 'aws-chunked'; trailer: boolean; signing?: ChunkSigning };

export interface Authentication {
  scheme: 'sigv4-header' | 'sigv4-query' | 'sigv2-header' | 'sigv2-query';
  payload: PayloadCheck;
}

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

export function authenticate(target: RequestTarget, keys: KeyPair, now: Date): Authentication {
  const authorization = firstHeader(target.headers, 'authorization');
  const v4Query = hasQuery(target, 'X-Amz-Algorithm') || hasQuery(target, 'X-Amz-Signature') || hasQuery(target, 'X-Amz-Credential');
  const v2Query = hasQuery(target, 'AWSAccessKeyId') || hasQuery(target, 'Signature');
  if ([authorization !== undefined, v4Query, v2Query].filter(Boolean).length > 1) {
    throw new S3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified.');
  }
  if (authorization !== undefined) {
    if (authorization.startsWith(`${SIGV4_ALGORITHM} `)) return verifyV4Header(target, authorization, keys, now);
    if (authorization.startsWith('AWS ')) return verifyV2Header(target, authorization, keys, now);
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type: use AWS4-HMAC-SHA256 (or the older AWS signature).');
  }
  if (v4Query) return verifyV4Query(target, keys, now);
  if (v2Query) return verifyV2Query(target, keys, now);
  throw accessDenied('Anonymous access is not allowed: sign the request with the configured key pair.');
}

function verifyV4Header(target: RequestTarget, authorization: string, keys: KeyPair, now: Date): Authentication {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(SIGV4_ALGORITHM.length).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; it needs Credential, SignedHeaders and Signature.');
  }
  const amzDate = firstHeader(target.headers, 'x-amz-date');
  const date = parseAmzDate(amzDate);
  const scope = readCredential(credential, keys, 'AuthorizationHeaderMalformed');
  if (!date || !amzDate) throw accessDenied('AWS authentication requires a valid x-amz-date header.');
  if (amzDate.slice(0, 8) !== scope.date) {
    throw new S3Error('AuthorizationHeaderMalformed', `The credential date ${scope.date} does not match the request date ${amzDate.slice(0, 8)}.`);
  }
  const names = readSignedHeaders(target, signedHeaders);
  const payloadHash = firstHeader(target.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256.');
  const key = signingKey(keys.secretAccessKey, scope);
  const expected = signatureOf(key, stringToSign(amzDate, scope, v4CanonicalRequest(target, names, undefined, payloadHash)));
  if (!signaturesEqual(expected, signature)) throw signatureMismatch();
  if (Math.abs(now.getTime() - date.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  return { scheme: 'sigv4-header', payload: payloadCheckOf(payloadHash, { key, amzDate, scope, seedSignature: signature }) };
}

function verifyV4Query(target: RequestTarget, keys: KeyPair, now: Date): Authentication {
  const parameter = (name: string) => queryValue(target, name);
  const [algorithm, credential, amzDate, expires, signedHeaders, signature] = [
    'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature',
  ].map(parameter);
  if (!algorithm || !credential || !amzDate || !expires || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  if (algorithm !== SIGV4_ALGORITHM) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
  const lifetime = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(lifetime >= 1 && lifetime <= MAX_PRESIGN_SECONDS)) {
    throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds.');
  }
  const date = parseAmzDate(amzDate);
  if (!date) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'".');
  const scope = readCredential(credential, keys, 'AuthorizationQueryParametersError');
  if (amzDate.slice(0, 8) !== scope.date) throw signatureMismatch();
  const names = readSignedHeaders(target, signedHeaders);
  const payloadHash = parameter('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const key = signingKey(keys.secretAccessKey, scope);
  const expected = signatureOf(key, stringToSign(amzDate, scope, v4CanonicalRequest(target, names, 'X-Amz-Signature', payloadHash)));
  if (!signaturesEqual(expected, signature)) throw signatureMismatch();
  if (date.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) throw accessDenied('Request is not valid yet.');
  if (now.getTime() > date.getTime() + lifetime * 1000) throw accessDenied('Request has expired.');
  return { scheme: 'sigv4-query', payload: unsignedSignerPayload(target, payloadHash) };
}

function v4CanonicalRequest(target: RequestTarget, names: string[], omit: string | undefined, payloadHash: string): string {
  return canonicalRequest({
    method: target.method,
    canonicalUri: canonicalUri(target.path),
    canonicalQuery: canonicalQuery(target.query, omit),
    headers: names.map((name) => [name, canonicalHeaderValue(target.headers.get(name) ?? [])] as const),
    payloadHash,
  });
}

/** `AKID/20130524/us-east-1/s3/aws4_request`; an unknown key id is S3's InvalidAccessKeyId. */
function readCredential(credential: string, keys: KeyPair, malformedCode: string): CredentialScope {
  const parts = credential.split('/');
  if (parts.length < 5) throw new S3Error(malformedCode, 'The Credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  const [date = '', region = '', service = '', terminator = ''] = parts.slice(-4);
  const accessKeyId = parts.slice(0, -4).join('/');
  if (!sameText(accessKeyId, keys.accessKeyId)) {
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (!/^\d{8}$/.test(date) || service !== 's3' || terminator !== 'aws4_request' || region === '') {
    throw new S3Error(malformedCode, 'The Credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/s3/aws4_request".');
  }
  return { date, region, service };
}

/** The signed header names; `host` must be one, and every `x-amz-*` header sent must be signed. */
function readSignedHeaders(target: RequestTarget, list: string): string[] {
  const names = list.split(';').map((name) => name.trim().toLowerCase());
  if (!names.includes('host')) throw accessDenied('The host header must be signed.');
  const unsigned = [...target.headers.keys()].filter((name) => name.startsWith('x-amz-') && !names.includes(name));
  if (unsigned.length > 0) throw accessDenied(`There were headers present in the request which were not signed: ${unsigned.join(', ')}`);
  return names;
}

function verifyV2Header(target: RequestTarget, authorization: string, keys: KeyPair, now: Date): Authentication {
  const match = /^AWS ([^:]+):(.+)$/.exec(authorization);
  if (!match) throw new S3Error('InvalidArgument', 'The AWS authorization header is malformed; expecting "AWS AccessKeyId:Signature".');
  const [, accessKeyId = '', signature = ''] = match;
  if (!sameText(accessKeyId, keys.accessKeyId)) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  const amzDate = firstHeader(target.headers, 'x-amz-date');
  const dateHeader = firstHeader(target.headers, 'date');
  const time = Date.parse(amzDate ?? dateHeader ?? '');
  if (Number.isNaN(time)) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header.');
  const expected = sigV2Signature(keys.secretAccessKey, v2StringToSign(target, amzDate === undefined ? (dateHeader ?? '') : ''));
  if (!signaturesEqual(expected, signature)) throw signatureMismatch();
  if (Math.abs(now.getTime() - time) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  return { scheme: 'sigv2-header', payload: unsignedSignerPayload(target, 'UNSIGNED-PAYLOAD') };
}

function verifyV2Query(target: RequestTarget, keys: KeyPair, now: Date): Authentication {
  const accessKeyId = queryValue(target, 'AWSAccessKeyId');
  const signature = queryValue(target, 'Signature');
  const expires = queryValue(target, 'Expires');
  if (!accessKeyId || !signature || !expires) {
    throw new S3Error('InvalidArgument', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters.');
  }
  if (!sameText(accessKeyId, keys.accessKeyId)) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (!/^\d{1,12}$/.test(expires)) throw new S3Error('InvalidArgument', 'Expires must be a number of seconds since the epoch.');
  const expected = sigV2Signature(keys.secretAccessKey, v2StringToSign(target, expires));
  if (!signaturesEqual(expected, signature)) throw signatureMismatch();
  if (now.getTime() > Number(expires) * 1000) throw accessDenied('Request has expired.');
  return { scheme: 'sigv2-query', payload: unsignedSignerPayload(target, 'UNSIGNED-PAYLOAD') };
}

function v2StringToSign(target: RequestTarget, dateOrExpires: string): string {
  return sigV2StringToSign({
    method: target.method,
    contentMd5: firstHeader(target.headers, 'content-md5') ?? '',
    contentType: firstHeader(target.headers, 'content-type') ?? '',
    dateOrExpires,
    amzHeaders: [...target.headers].filter(([name]) => name.startsWith('x-amz-')),
    resourcePath: target.virtualHosted ? `/${target.bucket}${target.rawPath}` : target.rawPath,
    query: target.query,
  });
}

/**
 * The body check of a request whose signature does not cover the payload (presigned URLs, SigV2):
 * a declared SHA-256 or an unsigned aws-chunked body is still honoured; signed chunks cannot be.
 */
function unsignedSignerPayload(target: RequestTarget, signedHash: string): PayloadCheck {
  const declared = firstHeader(target.headers, 'x-amz-content-sha256') ?? signedHash;
  if (declared.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')) {
    throw new S3Error('InvalidRequest', 'Signed aws-chunked uploads need the Authorization header.');
  }
  return payloadCheckOf(declared, undefined);
}

function payloadCheckOf(declared: string, signing: ChunkSigning | undefined): PayloadCheck {
  switch (declared) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', trailer: true };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'aws-chunked', trailer: false, signing };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', trailer: true, signing };
    default:
      if (/^[0-9a-f]{64}$/.test(declared)) return { kind: 'sha256', expected: declared };
      if (declared.startsWith('STREAMING-AWS4-ECDSA')) throw new S3Error('NotImplemented', 'SigV4a (ECDSA) streaming signatures are not supported.');
      throw new S3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value, or the SHA-256 of the body in lower-case hex.');
  }
}

function signatureMismatch(): S3Error {
  return new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
}

/** Constant time, whatever the lengths: compares digests of both. */
function sameText(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
