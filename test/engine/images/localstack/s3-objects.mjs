// Object-level S3 operations: put (plain, copy, multipart), get and head (ranges, conditional
// requests, response-* overrides of presigned URLs), delete.
import { S3Error, STORED_HEADERS } from './s3-store.mjs';
import { document, text, values } from './s3-xml.mjs';

const xml = (body) => ({ status: 200, headers: { 'Content-Type': 'application/xml' }, body });

/** The stored headers and x-amz-meta-* pairs a request carries. */
export function headersToStore(request) {
  const headers = {};
  const metadata = {};
  for (const [name, raw] of Object.entries(request.headers)) {
    const value = Array.isArray(raw) ? raw.join(',') : String(raw);
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    else if (STORED_HEADERS.includes(name)) headers[name] = value;
  }
  // aws-chunked describes the transfer of this request, not the object.
  if (headers['content-encoding']) {
    const kept = headers['content-encoding'].split(',').map((token) => token.trim()).filter((token) => token && token !== 'aws-chunked');
    if (kept.length > 0) headers['content-encoding'] = kept.join(', ');
    else delete headers['content-encoding'];
  }
  return { headers, metadata };
}

export function putObject({ store, bucket, key, body, request }) {
  const { headers, metadata } = headersToStore(request);
  const object = store.putObject(bucket, key, body, headers, metadata);
  return { status: 200, headers: { ETag: object.etag }, body: '' };
}

export function copyObject({ store, bucket, key, request }) {
  const source = decodeURIComponent(String(request.headers['x-amz-copy-source']).split('?')[0] ?? '').replace(/^\/+/, '');
  const slash = source.indexOf('/');
  if (slash <= 0) throw new S3Error(400, 'InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  const original = store.getObject(source.slice(0, slash), source.slice(slash + 1));
  const replace = String(request.headers['x-amz-metadata-directive'] ?? '').toUpperCase() === 'REPLACE';
  const { headers, metadata } = replace ? headersToStore(request) : { headers: original.headers, metadata: original.metadata };
  const object = store.putObject(bucket, key, Buffer.from(original.body), { ...headers }, { ...metadata });
  return xml(document('CopyObjectResult', text('LastModified', object.lastModified.toISOString()) + text('ETag', object.etag)));
}

function objectHeaders(object, url) {
  const headers = {
    ETag: object.etag,
    'Last-Modified': object.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.headers)) headers[name] = value;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  // A presigned GET may ask for other response headers (a download name, a type).
  for (const name of STORED_HEADERS) {
    const override = url.searchParams.get(`response-${name}`);
    if (override !== null) headers[name] = override;
  }
  return headers;
}

function notModified(object, request) {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch && (ifNoneMatch === '*' || ifNoneMatch.split(',').map((tag) => tag.trim()).includes(object.etag))) return true;
  const since = request.headers['if-modified-since'];
  return !ifNoneMatch && since !== undefined && Math.floor(object.lastModified.getTime() / 1000) <= Math.floor(Date.parse(since) / 1000);
}

function preconditionFailed(object, request) {
  const ifMatch = request.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').map((tag) => tag.trim()).includes(object.etag)) return true;
  const since = request.headers['if-unmodified-since'];
  return since !== undefined && Math.floor(object.lastModified.getTime() / 1000) > Math.floor(Date.parse(since) / 1000);
}

function byteRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === '' ? [Math.max(0, size - Number(match[2])), size - 1] : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  if (start >= size || start > end) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  return { start, end };
}

export function getObject({ store, bucket, key, request, url }) {
  const object = store.getObject(bucket, key);
  if (preconditionFailed(object, request)) throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  const headers = objectHeaders(object, url);
  if (notModified(object, request)) return { status: 304, headers, body: '' };
  const range = request.headers.range ? byteRange(request.headers.range, object.body.length) : undefined;
  if (!range) return { status: 200, headers: { ...headers, 'Content-Length': object.body.length }, body: object.body };
  const slice = object.body.subarray(range.start, range.end + 1);
  return {
    status: 206,
    headers: { ...headers, 'Content-Length': slice.length, 'Content-Range': `bytes ${range.start}-${range.end}/${object.body.length}` },
    body: slice,
  };
}

export function deleteObject({ store, bucket, key }) {
  store.deleteObject(bucket, key);
  return { status: 204, headers: {}, body: '' };
}

export function createUpload({ store, bucket, key, request }) {
  const { headers, metadata } = headersToStore(request);
  const id = store.createUpload(bucket, key, headers, metadata);
  return xml(document('InitiateMultipartUploadResult', text('Bucket', bucket) + text('Key', key) + text('UploadId', id)));
}

export function uploadPart({ store, url, body }) {
  const number = Number(url.searchParams.get('partNumber'));
  if (!Number.isInteger(number) || number < 1 || number > 10_000) throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  const etag = store.uploadPart(url.searchParams.get('uploadId'), number, body);
  return { status: 200, headers: { ETag: etag }, body: '' };
}

export function completeUpload({ store, bucket, key, url, body }) {
  const parts = values(body.toString('utf8'), 'PartNumber').map(Number);
  const object = store.completeUpload(url.searchParams.get('uploadId'), parts);
  return xml(document('CompleteMultipartUploadResult', text('Location', `/${bucket}/${key}`) + text('Bucket', bucket) + text('Key', key) + text('ETag', object.etag)));
}

export function abortUpload({ store, url }) {
  store.abortUpload(url.searchParams.get('uploadId'));
  return { status: 204, headers: {}, body: '' };
}
