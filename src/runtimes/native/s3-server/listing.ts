/** ListObjects (v1) and ListObjectsV2 pages: prefix, delimiter, markers and continuation tokens. */
import { S3Error } from './errors.js';
import { compareKeys } from './names.js';
import type { ObjectRecord } from './object-store.js';
import { queryValue, type RequestTarget } from './request-target.js';
import { xmlDocument, type XmlNode } from './xml.js';

interface PageRequest {
  prefix: string;
  delimiter: string;
  /** Keys up to and including this one are skipped. */
  after: string;
  maxKeys: number;
}

interface Page {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix of the page. */
  last: string | undefined;
}

export function pageOf(records: readonly ObjectRecord[], request: PageRequest): Page {
  const page: Page = { contents: [], commonPrefixes: [], truncated: false, last: undefined };
  const { prefix, delimiter, after } = request;
  const skipsRolledUp = delimiter !== '' && after.endsWith(delimiter);
  for (const record of records) {
    const key = record.key;
    if (!key.startsWith(prefix) || compareKeys(key, after) <= 0 || (skipsRolledUp && key.startsWith(after))) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const commonPrefix = cut < 0 ? undefined : key.slice(0, cut + delimiter.length);
    if (commonPrefix !== undefined && commonPrefix === page.last) continue;
    if (page.contents.length + page.commonPrefixes.length >= request.maxKeys) {
      page.truncated = true;
      break;
    }
    if (commonPrefix === undefined) page.contents.push(record);
    else page.commonPrefixes.push(commonPrefix);
    page.last = commonPrefix ?? key;
  }
  return page;
}

export function listObjectsPage(bucket: string, records: readonly ObjectRecord[], target: RequestTarget, version: 1 | 2): string {
  const parameter = (name: string) => queryValue(target, name);
  const maxKeysText = parameter('max-keys') ?? '1000';
  if (!/^\d{1,9}$/.test(maxKeysText)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer.');
  const maxKeys = Math.min(Number(maxKeysText), 1000);
  const prefix = parameter('prefix') ?? '';
  const delimiter = parameter('delimiter') ?? '';
  const token = parameter('continuation-token');
  const startAfter = parameter('start-after') ?? '';
  const marker = parameter('marker') ?? '';
  const after = version === 1 ? marker : token !== undefined ? decodeToken(token) : startAfter;
  const page = pageOf(records, { prefix, delimiter, after, maxKeys });
  const encode = parameter('encoding-type') === 'url' ? encodeURIComponent : (text: string) => text;
  const common: Record<string, XmlNode> = {
    Name: bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter === '' ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    EncodingType: parameter('encoding-type'),
    IsTruncated: page.truncated,
    Contents: page.contents.map((record) => ({
      Key: encode(record.key),
      LastModified: record.lastModified,
      ETag: record.etag,
      Size: record.size,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((prefixValue) => ({ Prefix: encode(prefixValue) })),
  };
  if (version === 1) {
    return xmlDocument('ListBucketResult', {
      ...common,
      Marker: encode(marker),
      NextMarker: page.truncated && delimiter !== '' ? encode(page.last ?? '') : undefined,
    });
  }
  return xmlDocument('ListBucketResult', {
    ...common,
    KeyCount: page.contents.length + page.commonPrefixes.length,
    ContinuationToken: token,
    NextContinuationToken: page.truncated && page.last !== undefined ? Buffer.from(page.last, 'utf8').toString('base64url') : undefined,
    StartAfter: startAfter === '' ? undefined : encode(startAfter),
  });
}

function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect.');
  return Buffer.from(token, 'base64url').toString('utf8');
}
