// Service- and bucket-level S3 operations: list buckets, create, head, delete, location, CORS,
// list objects (v1 and v2), delete objects in bulk.
import { S3Error } from './s3-store.mjs';
import { corsXml, document, el, escapeXml, objectEntryXml, parseCors, text, value, values } from './s3-xml.mjs';

const xml = (body, status = 200) => ({ status, headers: { 'Content-Type': 'application/xml' }, body });

export function listBuckets({ store }) {
  const buckets = store
    .listBuckets()
    .map((bucket) => el('Bucket', text('Name', bucket.name) + text('CreationDate', bucket.created.toISOString())))
    .join('');
  return xml(document('ListAllMyBucketsResult', el('Owner', text('ID', '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a') + text('DisplayName', 'webfile')) + el('Buckets', buckets)));
}

export function createBucket({ store, bucket, body, request }) {
  const location = value(body.toString('utf8'), 'LocationConstraint');
  const region = location || request.headers['x-amz-bucket-region'] || 'us-east-1';
  store.createBucket(bucket, region);
  return { status: 200, headers: { Location: `/${bucket}` }, body: '' };
}

export function headBucket({ store, bucket }) {
  const found = store.bucket(bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': found.region }, body: '' };
}

export function deleteBucket({ store, bucket }) {
  store.deleteBucket(bucket);
  return { status: 204, headers: {}, body: '' };
}

export function bucketLocation({ store, bucket }) {
  const region = store.bucket(bucket).region;
  return xml(document('LocationConstraint', region === 'us-east-1' ? '' : escapeXml(region)));
}

export function putBucketCors({ store, bucket, body }) {
  const found = store.bucket(bucket);
  const rules = parseCors(body.toString('utf8'));
  if (!rules) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const methods = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
  for (const method of rules.flatMap((rule) => rule.allowedMethods)) {
    if (!methods.has(method)) throw new S3Error(400, 'InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
  }
  found.cors = rules;
  return { status: 200, headers: {}, body: '' };
}

export function getBucketCors({ store, bucket }) {
  const found = store.bucket(bucket);
  if (!found.cors) throw new S3Error(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', bucket);
  return xml(corsXml(found.cors));
}

export function deleteBucketCors({ store, bucket }) {
  store.bucket(bucket).cors = null;
  return { status: 204, headers: {}, body: '' };
}

function listParams(url) {
  const get = (name) => url.searchParams.get(name) ?? undefined;
  const maxKeys = Math.min(1000, Math.max(0, Number(get('max-keys') ?? 1000) || 0));
  const encode = get('encoding-type') === 'url' ? (key) => encodeURIComponent(key).replace(/%2F/g, '/') : (key) => key;
  return { prefix: get('prefix') ?? '', delimiter: get('delimiter') ?? '', maxKeys, encode, get };
}

function listBody(listing, encode) {
  return (
    listing.contents.map((object) => objectEntryXml(object, encode)).join('') +
    listing.commonPrefixes.map((prefix) => el('CommonPrefixes', text('Prefix', encode(prefix)))).join('')
  );
}

export function listObjectsV2({ store, bucket, url }) {
  const { prefix, delimiter, maxKeys, encode, get } = listParams(url);
  const token = get('continuation-token');
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (get('start-after') ?? '');
  const listing = store.listObjects(bucket, { prefix, delimiter, maxKeys, after });
  const head =
    text('Name', bucket) +
    text('Prefix', encode(prefix)) +
    (delimiter ? text('Delimiter', encode(delimiter)) : '') +
    el('MaxKeys', maxKeys) +
    el('KeyCount', listing.contents.length + listing.commonPrefixes.length) +
    el('IsTruncated', listing.truncated) +
    text('ContinuationToken', token) +
    (listing.truncated ? text('NextContinuationToken', Buffer.from(listing.last).toString('base64url')) : '') +
    text('StartAfter', get('start-after')) +
    text('EncodingType', get('encoding-type'));
  return xml(document('ListBucketResult', head + listBody(listing, encode)));
}

export function listObjectsV1({ store, bucket, url }) {
  const { prefix, delimiter, maxKeys, encode, get } = listParams(url);
  const marker = get('marker') ?? '';
  const listing = store.listObjects(bucket, { prefix, delimiter, maxKeys, after: marker });
  const head =
    text('Name', bucket) +
    text('Prefix', encode(prefix)) +
    text('Marker', encode(marker)) +
    (delimiter ? text('Delimiter', encode(delimiter)) : '') +
    el('MaxKeys', maxKeys) +
    el('IsTruncated', listing.truncated) +
    (listing.truncated ? text('NextMarker', encode(listing.last)) : '') +
    text('EncodingType', get('encoding-type'));
  return xml(document('ListBucketResult', head + listBody(listing, encode)));
}

export function deleteObjects({ store, bucket, body }) {
  const request = body.toString('utf8');
  store.bucket(bucket);
  const keys = values(request, 'Key');
  const quiet = value(request, 'Quiet') === 'true';
  for (const key of keys) store.deleteObject(bucket, key);
  const deleted = quiet ? '' : keys.map((key) => el('Deleted', text('Key', key))).join('');
  return xml(document('DeleteResult', deleted));
}

export function listUploads({ store, bucket }) {
  store.bucket(bucket);
  const uploads = [...store.uploads.entries()]
    .filter(([, upload]) => upload.bucket === bucket)
    .map(([id, upload]) => el('Upload', text('Key', upload.key) + text('UploadId', id)))
    .join('');
  return xml(document('ListMultipartUploadsResult', text('Bucket', bucket) + el('IsTruncated', false) + uploads));
}
