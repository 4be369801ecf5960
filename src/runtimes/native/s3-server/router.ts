/**
 * Which S3 operation a request is, from its method, bucket, key and sub-resource. Operations this
 * server does not have (ACLs, policies, versioning, tagging, ...) answer NotImplemented rather than
 * pretending: a client then knows the feature is missing instead of seeing it silently ignored.
 */
import * as buckets from './bucket-handlers.js';
import { notImplemented, S3Error } from './errors.js';
import * as multipart from './multipart-handlers.js';
import { assertObjectKey } from './names.js';
import * as objects from './object-handlers.js';
import type { Reply, RequestContext } from './reply.js';
import { firstHeader, hasQuery } from './request-target.js';

const UNSUPPORTED_BUCKET_RESOURCES = [
  'accelerate', 'acl', 'analytics', 'encryption', 'intelligent-tiering', 'inventory', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock',
  'replication', 'requestPayment', 'tagging', 'uploads', 'versioning', 'versions', 'website', 'session',
];
const UNSUPPORTED_OBJECT_RESOURCES = ['acl', 'attributes', 'legal-hold', 'restore', 'retention', 'select', 'tagging', 'torrent', 'renameObject'];

export async function route(context: RequestContext): Promise<Reply> {
  const { target } = context;
  if (target.bucket === undefined) {
    if (target.method === 'GET') return buckets.listBuckets(context);
    throw methodNotAllowed();
  }
  context.store.bucketPath(target.bucket);
  if (target.key === '') return routeBucket(context);
  assertObjectKey(target.key);
  return routeObject(context);
}

function routeBucket(context: RequestContext): Promise<Reply> {
  const { target } = context;
  const has = (name: string) => hasQuery(target, name);
  const unsupported = UNSUPPORTED_BUCKET_RESOURCES.find(has);
  if (unsupported !== undefined) throw notImplemented(`The bucket sub-resource ?${unsupported}`);
  switch (target.method) {
    case 'GET':
      if (has('location')) return buckets.getBucketLocation(context);
      if (has('cors')) return buckets.getBucketCors(context);
      return buckets.listObjects(context, target.query.some(([name, value]) => name === 'list-type' && value === '2') ? 2 : 1);
    case 'HEAD':
      return buckets.headBucket(context);
    case 'PUT':
      return has('cors') ? buckets.putBucketCors(context) : buckets.createBucket(context);
    case 'DELETE':
      return has('cors') ? buckets.deleteBucketCors(context) : buckets.deleteBucket(context);
    case 'POST':
      if (has('delete')) return buckets.deleteObjects(context);
      throw notImplemented('POST on a bucket (browser form uploads)');
    default:
      throw methodNotAllowed();
  }
}

function routeObject(context: RequestContext): Promise<Reply> {
  const { target } = context;
  const has = (name: string) => hasQuery(target, name);
  const unsupported = UNSUPPORTED_OBJECT_RESOURCES.find(has);
  if (unsupported !== undefined) throw notImplemented(`The object sub-resource ?${unsupported}`);
  const copy = firstHeader(target.headers, 'x-amz-copy-source') !== undefined;
  switch (target.method) {
    case 'GET':
      if (has('uploadId')) return multipart.listParts(context);
      if (has('partNumber')) throw notImplemented('GET of a single part (partNumber)');
      return objects.getObject(context, false);
    case 'HEAD':
      if (has('partNumber')) throw notImplemented('HEAD of a single part (partNumber)');
      return objects.getObject(context, true);
    case 'PUT':
      if (has('uploadId') || has('partNumber')) {
        if (copy) throw notImplemented('Copying into a part (UploadPartCopy)');
        return multipart.uploadPart(context);
      }
      if (copy) return objects.copyObject(context);
      return objects.putObject(context);
    case 'DELETE':
      return has('uploadId') ? multipart.abortMultipartUpload(context) : objects.deleteObject(context);
    case 'POST':
      if (has('uploads')) return multipart.createMultipartUpload(context);
      if (has('uploadId')) return multipart.completeMultipartUpload(context);
      throw notImplemented('This POST operation on an object');
    default:
      throw methodNotAllowed();
  }
}

function methodNotAllowed(): S3Error {
  return new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
}
