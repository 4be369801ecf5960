// The S3 API of the stand-in: path-style and virtual-host requests, any access key and any
// signature (LocalStack does not check them either), aws-chunked uploads of newer SDKs.
import * as buckets from './s3-buckets.mjs';
import { corsHeadersFor, preflight } from './s3-cors.mjs';
import * as objects from './s3-objects.mjs';
import { S3Error } from './s3-store.mjs';
import { errorXml } from './s3-xml.mjs';

/** Bucket and key of a request: from a `<bucket>.s3.…` / `<bucket>.localhost` host, else from the path. */
export function targetOf(request, url) {
  const hostname = String(request.headers.host ?? '').replace(/:\d+$/, '');
  const virtual = /^(.+?)\.s3\.[^.].*$/.exec(hostname) ?? /^(.+)\.localhost$/.exec(hostname);
  const path = url.pathname;
  if (virtual?.[1] && !/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) {
    return { bucket: virtual[1], key: decodeURIComponent(path.slice(1)) };
  }
  const rest = path.slice(1);
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decodeURIComponent(rest), key: '' };
  return { bucket: decodeURIComponent(rest.slice(0, slash)), key: decodeURIComponent(rest.slice(slash + 1)) };
}

/** Newer AWS SDKs stream uploads as `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n…0\r\n<trailers>`. */
export function decodeAwsChunked(buffer) {
  const parts = [];
  let offset = 0;
  while (offset < buffer.length) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(buffer.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'IncompleteBody', 'The aws-chunked body could not be read.');
    offset = lineEnd + 2;
    if (size === 0) break;
    parts.push(buffer.subarray(offset, offset + size));
    offset += size + 2;
  }
  return Buffer.concat(parts);
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const streaming = String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  const chunked = String(request.headers['content-encoding'] ?? '').includes('aws-chunked');
  return streaming || chunked ? decodeAwsChunked(body) : body;
}

function bucketOperation(method, has) {
  switch (method) {
    case 'PUT':
      if (has('cors')) return buckets.putBucketCors;
      if (has('versioning') || has('acl') || has('policy') || has('tagging') || has('lifecycle')) return undefined;
      return buckets.createBucket;
    case 'GET':
      if (has('cors')) return buckets.getBucketCors;
      if (has('location')) return buckets.bucketLocation;
      if (has('uploads')) return buckets.listUploads;
      if (has('list-type')) return buckets.listObjectsV2;
      if (has('versioning') || has('acl') || has('policy') || has('tagging') || has('lifecycle')) return undefined;
      return buckets.listObjectsV1;
    case 'HEAD':
      return buckets.headBucket;
    case 'DELETE':
      return has('cors') ? buckets.deleteBucketCors : buckets.deleteBucket;
    case 'POST':
      return has('delete') ? buckets.deleteObjects : undefined;
    default:
      return undefined;
  }
}

function objectOperation(method, has, request) {
  switch (method) {
    case 'PUT':
      if (has('uploadId') && has('partNumber')) return objects.uploadPart;
      if (has('tagging') || has('acl')) return undefined;
      return request.headers['x-amz-copy-source'] ? objects.copyObject : objects.putObject;
    case 'GET':
    case 'HEAD':
      return has('tagging') || has('acl') ? undefined : objects.getObject;
    case 'DELETE':
      return has('uploadId') ? objects.abortUpload : objects.deleteObject;
    case 'POST':
      if (has('uploads')) return objects.createUpload;
      if (has('uploadId')) return objects.completeUpload;
      return undefined;
    default:
      return undefined;
  }
}

function send(response, request, result, extraHeaders) {
  const headers = { 'x-amz-request-id': Math.random().toString(16).slice(2, 18).toUpperCase(), ...extraHeaders, ...result.headers };
  const body = request.method === 'HEAD' ? '' : result.body;
  if (!('Content-Length' in headers)) headers['Content-Length'] = Buffer.byteLength(body);
  response.writeHead(result.status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** Handles one S3 request against `store`; `log` receives one line per call, as LocalStack prints. */
export function createS3Handler(store, log = () => {}) {
  return async function handleS3(request, response) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const { bucket, key } = targetOf(request, url);
    const has = (name) => url.searchParams.has(name);
    let name = 'Unknown';
    try {
      const body = await readBody(request);
      if (request.method === 'OPTIONS') {
        name = 'Preflight';
        send(response, request, { status: 200, headers: preflight(store.bucket(bucket), request), body: '' });
        return;
      }
      const operation = bucket === '' ? (request.method === 'GET' ? buckets.listBuckets : undefined) : key === '' ? bucketOperation(request.method, has) : objectOperation(request.method, has, request);
      if (!operation) throw new S3Error(501, 'NotImplemented', 'This operation is not supported by the LocalStack stand-in.');
      name = operation.name.charAt(0).toUpperCase() + operation.name.slice(1);
      const result = operation({ store, bucket, key, body, request, url });
      send(response, request, result, corsHeadersFor(store.buckets.get(bucket), request));
      log(`AWS s3.${name} => ${result.status}`);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      send(response, request, { status: error.status, headers: { 'Content-Type': 'application/xml' }, body: errorXml(error.code, error.message, error.resource) }, {});
      log(`AWS s3.${name} => ${error.status} (${error.code})`);
    }
  };
}
