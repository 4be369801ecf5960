/** PutObject, GetObject, HeadObject, DeleteObject, CopyObject. */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { receiveBody, type ReceivedBody } from './body.js';
import { notImplemented, S3Error } from './errors.js';
import { assertObjectKey } from './names.js';
import { unlinkIfPresent, type ObjectRecord } from './object-store.js';
import { objectFieldsOf, objectResponseHeaders } from './object-fields.js';
import { bucketOf, xmlReply, type Reply, type RequestContext } from './reply.js';
import { firstHeader } from './request-target.js';
import { xmlDocument } from './xml.js';

/** S3's limit for a single PUT. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

export async function putObject(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const fields = objectFieldsOf(context.target);
  const { file, body } = await receiveToFile(context, MAX_OBJECT_BYTES);
  const record = await context.store.commitObject(
    bucket.name,
    { key: context.target.key, size: body.size, etag: `"${body.md5Hex}"`, ...fields, ...(body.checksum ? { checksum: body.checksum } : {}) },
    file,
  );
  return { status: 200, headers: { ETag: record.etag, ...checksumHeader(body) } };
}

/** Receives the body into a new file of tmp/; removed again when any check fails. */
export async function receiveToFile(context: RequestContext, maxBytes: number): Promise<{ file: string; body: ReceivedBody }> {
  const file = context.store.temporaryFile();
  const handle = await open(file, 'wx', 0o600);
  try {
    const body = await receiveBody(context.request, context.target, context.auth.payload, { maxBytes }, async (data) => {
      await handle.write(data);
    });
    await handle.close();
    return { file, body };
  } catch (error) {
    await handle.close();
    await unlinkIfPresent(file);
    throw error;
  }
}

export function checksumHeader(body: ReceivedBody): Record<string, string> {
  return body.checksum ? { [`x-amz-checksum-${body.checksum.algorithm}`]: body.checksum.value } : {};
}

export async function getObject(context: RequestContext, head: boolean): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const opened = await context.store.openObject(bucket.name, context.target.key);
  if (!opened) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: context.target.key });
  const { record, handle } = opened;
  try {
    const conditional = conditionalStatus(context, record);
    if (conditional === 412) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    const range = head ? undefined : requestedRange(firstHeader(context.target.headers, 'range'), record.size);
    const headers = objectResponseHeaders(record, context.target, range === undefined);
    if (conditional === 304) {
      await handle.close();
      return { status: 304, headers: { ETag: record.etag, 'Last-Modified': headers['Last-Modified'] ?? '' } };
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? record.size - 1;
    headers['Content-Length'] = String(Math.max(0, end - start + 1));
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${record.size}`;
    if (head || record.size === 0) {
      await handle.close();
      return { status: 200, headers, body: head ? undefined : '' };
    }
    return { status: range ? 206 : 200, headers, body: handle.createReadStream({ start, end, autoClose: true }) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export async function deleteObject(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  await context.store.deleteObject(bucket.name, context.target.key);
  return { status: 204 };
}

/** 304, 412, or undefined (go on), from If-Match, If-None-Match, If-(Un)Modified-Since. */
function conditionalStatus(context: RequestContext, record: ObjectRecord): 304 | 412 | undefined {
  const header = (name: string) => firstHeader(context.target.headers, name);
  const modified = Math.floor(new Date(record.lastModified).getTime() / 1000) * 1000;
  const matches = (list: string) => list.split(',').some((tag) => tag.trim() === '*' || tag.trim() === record.etag);
  const ifMatch = header('if-match');
  const ifNoneMatch = header('if-none-match');
  const ifModifiedSince = Date.parse(header('if-modified-since') ?? '');
  const ifUnmodifiedSince = Date.parse(header('if-unmodified-since') ?? '');
  if (ifMatch !== undefined && !matches(ifMatch)) return 412;
  if (ifMatch === undefined && !Number.isNaN(ifUnmodifiedSince) && modified > ifUnmodifiedSince) return 412;
  if (ifNoneMatch !== undefined && matches(ifNoneMatch)) return 304;
  if (ifNoneMatch === undefined && !Number.isNaN(ifModifiedSince) && modified <= ifModifiedSince) return 304;
  return undefined;
}

/** One `bytes=` range, as S3 serves it; anything it cannot read is ignored (the whole object). */
function requestedRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw invalidRange(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) throw invalidRange(size);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
}

/** PUT with x-amz-copy-source: a server-side copy, metadata copied or replaced (x-amz-metadata-directive). */
export async function copyObject(context: RequestContext): Promise<Reply> {
  const target = await context.store.requireBucket(bucketOf(context));
  const source = copySourceOf(firstHeader(context.target.headers, 'x-amz-copy-source') ?? '');
  await context.store.requireBucket(source.bucket);
  const opened = await context.store.openObject(source.bucket, source.key);
  if (!opened) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  const file = context.store.temporaryFile();
  try {
    // From the open handle: the version read is the one whose record is copied, whatever replaces it meanwhile.
    await pipeline(opened.handle.createReadStream({ autoClose: true }), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await unlinkIfPresent(file);
    throw error;
  }
  const replace = firstHeader(context.target.headers, 'x-amz-metadata-directive')?.toUpperCase() === 'REPLACE';
  const { record } = opened;
  const fields = replace ? objectFieldsOf(context.target) : { headers: record.headers, metadata: record.metadata };
  const copied = await context.store.commitObject(
    target.name,
    { key: context.target.key, size: record.size, etag: record.etag, ...fields, ...(record.checksum ? { checksum: record.checksum } : {}) },
    file,
  );
  return xmlReply(xmlDocument('CopyObjectResult', { ETag: copied.etag, LastModified: copied.lastModified }));
}

/** `/bucket/key` or `bucket/key`, percent-encoded; a version id other than null is not supported. */
function copySourceOf(header: string): { bucket: string; key: string } {
  const [pathPart = '', query = ''] = header.split('?', 2);
  if (query !== '' && query !== 'versionId=null') throw notImplemented('Copying a given version (versionId)');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart).replace(/^\//, '');
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding.');
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey.');
  const key = decoded.slice(slash + 1);
  assertObjectKey(key);
  return { bucket: decoded.slice(0, slash), key };
}
