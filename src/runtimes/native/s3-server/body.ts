/**
 * Reads a request body exactly as the client meant it: aws-chunked framing removed, and every
 * integrity claim checked (x-amz-content-sha256, chunk and trailer signatures, Content-MD5,
 * x-amz-checksum-* given as a header, a presigned parameter or a trailer). The caller's sink gets
 * the bytes as they come; it must commit nothing unless this function returns.
 */
import { createHash } from 'node:crypto';
import type { PayloadCheck } from './authenticate.js';
import { decodeAwsChunked } from './aws-chunked.js';
import { createChecksum, isChecksumAlgorithm, type Checksum, type ChecksumAlgorithm } from './checksums.js';
import { S3Error } from './errors.js';
import { firstHeader, queryValue, type RequestTarget } from './request-target.js';

export interface ReceivedBody {
  size: number;
  md5Hex: string;
  /** The checksum the client sent and the server verified, if any. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface BodyLimits {
  maxBytes: number;
}

export async function receiveBody(
  source: AsyncIterable<Buffer>,
  target: RequestTarget,
  payload: PayloadCheck,
  limits: BodyLimits,
  sink: (data: Buffer) => Promise<void> | void,
): Promise<ReceivedBody> {
  const announcedTrailers = (firstHeader(target.headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const trailers = new Map<string, string>();
  const data = payload.kind === 'aws-chunked'
    ? decodeAwsChunked(source, { trailer: payload.trailer, signing: payload.signing, announcedTrailers, trailers })
    : source;
  const checksums = new Map<ChecksumAlgorithm, Checksum>();
  for (const algorithm of claimedAlgorithms(target, announcedTrailers)) checksums.set(algorithm, createChecksum(algorithm));
  const md5 = createHash('md5');
  const sha256 = payload.kind === 'sha256' ? createHash('sha256') : undefined;
  let size = 0;
  for await (const piece of data) {
    size += piece.length;
    if (size > limits.maxBytes) throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
    md5.update(piece);
    sha256?.update(piece);
    for (const checksum of checksums.values()) checksum.update(piece);
    await sink(piece);
  }
  if (payload.kind === 'sha256' && sha256?.digest('hex') !== payload.expected) {
    throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  if (payload.kind === 'aws-chunked') checkDecodedLength(target, size);
  const md5Digest = md5.digest();
  checkContentMd5(target, md5Digest);
  return { size, md5Hex: md5Digest.toString('hex'), ...verifyChecksums(target, announcedTrailers, trailers, checksums) };
}

/** Reads a small body (an XML document) whole. */
export async function receiveSmallBody(source: AsyncIterable<Buffer>, target: RequestTarget, payload: PayloadCheck, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  await receiveBody(source, target, payload, { maxBytes }, (piece) => {
    parts.push(piece);
  });
  return Buffer.concat(parts);
}

function claimedAlgorithms(target: RequestTarget, announcedTrailers: readonly string[]): ChecksumAlgorithm[] {
  const names = [...target.headers.keys(), ...target.query.map(([name]) => name.toLowerCase()), ...announcedTrailers];
  const algorithms = names
    .filter((name) => name.startsWith('x-amz-checksum-'))
    .map((name) => name.slice('x-amz-checksum-'.length))
    .filter(isChecksumAlgorithm);
  return [...new Set(algorithms)];
}

function checkDecodedLength(target: RequestTarget, size: number): void {
  const declared = firstHeader(target.headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== size) {
    throw new S3Error('IncompleteBody', `The decoded body has ${size} bytes; x-amz-decoded-content-length says ${declared}.`);
  }
}

function checkContentMd5(target: RequestTarget, digest: Buffer): void {
  const claim = firstHeader(target.headers, 'content-md5');
  if (claim === undefined) return;
  const claimed = Buffer.from(claim.trim(), 'base64');
  if (claimed.length !== 16 || claimed.toString('base64') !== claim.trim()) {
    throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }
  if (!claimed.equals(digest)) throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
}

function verifyChecksums(
  target: RequestTarget,
  announcedTrailers: readonly string[],
  trailers: Map<string, string>,
  checksums: Map<ChecksumAlgorithm, Checksum>,
): Pick<ReceivedBody, 'checksum'> {
  let verified: ReceivedBody['checksum'];
  for (const [algorithm, checksum] of checksums) {
    const name = `x-amz-checksum-${algorithm}`;
    const claimed = firstHeader(target.headers, name) ?? queryValue(target, name) ?? trailers.get(name);
    if (claimed === undefined) {
      if (announcedTrailers.includes(name)) throw new S3Error('InvalidRequest', `The trailing checksum ${name} announced in x-amz-trailer was not sent.`);
      continue;
    }
    const value = checksum.digest();
    if (claimed.trim() !== value) {
      throw new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
    verified = { algorithm, value };
  }
  return verified ? { checksum: verified } : {};
}
