/** Service and bucket operations: list/create/delete buckets, location, CORS, listing, multi-delete. */
import { receiveSmallBody } from './body.js';
import { corsConfigurationXml, parseCorsConfiguration } from './cors-rules.js';
import { S3Error } from './errors.js';
import { listObjectsPage } from './listing.js';
import { assertObjectKey } from './names.js';
import { bucketOf, xmlReply, type Reply, type RequestContext } from './reply.js';
import { elements, readRequestXml, textOf, unescapeXml, xmlDocument } from './xml.js';

const MAX_XML_BYTES = 2 * 1024 * 1024;
const OWNER = { ID: 'datalayer', DisplayName: 'datalayer' };

export async function listBuckets(context: RequestContext): Promise<Reply> {
  const buckets = await context.store.listBuckets();
  return xmlReply(
    xmlDocument('ListAllMyBucketsResult', {
      Owner: OWNER,
      Buckets: { Bucket: buckets.map((bucket) => ({ Name: bucket.name, CreationDate: bucket.createdAt })) },
    }),
  );
}

export async function createBucket(context: RequestContext): Promise<Reply> {
  const bucket = bucketOf(context);
  const body = await receiveSmallBody(context.request, context.target, context.auth.payload, MAX_XML_BYTES);
  const region = body.length === 0 ? '' : (textOf(readRequestXml(body, 'CreateBucketConfiguration'), 'LocationConstraint') ?? '');
  if ((await context.store.createBucket(bucket, region)) === 'exists') {
    throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket });
  }
  return { status: 200, headers: { Location: `/${bucket}` } };
}

export async function deleteBucket(context: RequestContext): Promise<Reply> {
  await context.store.deleteBucket(bucketOf(context));
  return { status: 204 };
}

export async function headBucket(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  return { status: 200, headers: { 'x-amz-bucket-region': bucket.region || 'us-east-1' } };
}

export async function getBucketLocation(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  return xmlReply(xmlDocument('LocationConstraint', bucket.region));
}

export async function putBucketCors(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const body = await receiveSmallBody(context.request, context.target, context.auth.payload, MAX_XML_BYTES);
  await context.store.writeBucket({ ...bucket, cors: parseCorsConfiguration(body) });
  return { status: 200 };
}

export async function getBucketCors(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  if (!bucket.cors || bucket.cors.length === 0) {
    throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: bucket.name });
  }
  return xmlReply(corsConfigurationXml(bucket.cors));
}

export async function deleteBucketCors(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const { cors: _removed, ...rest } = bucket;
  await context.store.writeBucket(rest);
  return { status: 204 };
}

export async function listObjects(context: RequestContext, version: 1 | 2): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const records = await context.store.listObjects(bucket.name);
  return xmlReply(listObjectsPage(bucket.name, records, context.target, version));
}

/** POST /bucket?delete: up to 1000 keys; each key's outcome is reported, not the first failure. */
export async function deleteObjects(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const body = await receiveSmallBody(context.request, context.target, context.auth.payload, MAX_XML_BYTES);
  const xml = readRequestXml(body, 'Delete');
  const keys = elements(xml, 'Object').map((object) => unescapeXml(elements(object, 'Key')[0] ?? ''));
  if (keys.length === 0 || keys.length > 1000) throw new S3Error('MalformedXML', 'A Delete request names between 1 and 1000 objects.');
  const quiet = textOf(xml, 'Quiet') === 'true';
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const key of keys) {
    try {
      assertObjectKey(key);
      await context.store.deleteObject(bucket.name, key);
      if (!quiet) deleted.push({ Key: key });
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      errors.push({ Key: key, Code: error.code, Message: error.message });
    }
  }
  return xmlReply(xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}
