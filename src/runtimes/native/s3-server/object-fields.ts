/**
 * What an upload says about its object besides the bytes: the content headers S3 keeps and the
 * user metadata (x-amz-meta-*), and how they come back on GET and HEAD.
 */
import { S3Error } from './errors.js';
import type { ObjectRecord } from './object-store.js';
import { firstHeader, queryValue, type RequestTarget } from './request-target.js';

/** Stored under these names, returned with them. */
const CONTENT_HEADERS = ['Content-Type', 'Content-Encoding', 'Content-Disposition', 'Content-Language', 'Cache-Control', 'Expires'] as const;
const MAX_METADATA_BYTES = 2048;
const META_PREFIX = 'x-amz-meta-';

export interface ObjectFields {
  headers: Record<string, string>;
  metadata: Record<string, string>;
}

export function objectFieldsOf(target: RequestTarget): ObjectFields {
  const headers: Record<string, string> = {};
  for (const name of CONTENT_HEADERS) {
    const value = firstHeader(target.headers, name.toLowerCase());
    if (value !== undefined) headers[name] = value;
  }
  // aws-chunked describes the transfer, not the object: S3 drops it from the stored encoding.
  const encoding = headers['Content-Encoding']
    ?.split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '' && token.toLowerCase() !== 'aws-chunked')
    .join(', ');
  if (encoding) headers['Content-Encoding'] = encoding;
  else delete headers['Content-Encoding'];
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, values] of target.headers) {
    if (!name.startsWith(META_PREFIX) || name.length === META_PREFIX.length) continue;
    const value = values.join(',');
    metadata[name.slice(META_PREFIX.length)] = value;
    metadataBytes += Buffer.byteLength(name.slice(META_PREFIX.length)) + Buffer.byteLength(value);
  }
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size (2 KB).');
  }
  return { headers, metadata };
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/** GET/HEAD headers of an object (without length and range), with the response-* overrides. */
export function objectResponseHeaders(record: ObjectRecord, target: RequestTarget, wholeObject: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'binary/octet-stream',
    ...record.headers,
    ETag: record.etag,
    'Last-Modified': new Date(record.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(record.metadata)) headers[`${META_PREFIX}${name}`] = value;
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = queryValue(target, parameter);
    if (value !== undefined) headers[header] = value;
  }
  const wantsChecksum = firstHeader(target.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  if (wantsChecksum && wholeObject && record.checksum) headers[`x-amz-checksum-${record.checksum.algorithm}`] = record.checksum.value;
  return headers;
}
