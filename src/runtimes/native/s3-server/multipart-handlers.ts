/** CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts. */
import { receiveSmallBody } from './body.js';
import { S3Error } from './errors.js';
import { objectFieldsOf } from './object-fields.js';
import { checksumHeader, receiveToFile } from './object-handlers.js';
import { bucketOf, xmlReply, type Reply, type RequestContext } from './reply.js';
import { queryValue } from './request-target.js';
import { elements, readRequestXml, textOf, xmlDocument } from './xml.js';

const MAX_PART_BYTES = 5 * 1024 ** 3;
const MAX_COMPLETE_XML_BYTES = 4 * 1024 * 1024;

export async function createMultipartUpload(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const uploadId = await context.multipart.create(bucket.name, context.target.key, objectFieldsOf(context.target));
  return xmlReply(xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: context.target.key, UploadId: uploadId }));
}

export async function uploadPart(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const uploadId = queryValue(context.target, 'uploadId') ?? '';
  const partText = queryValue(context.target, 'partNumber') ?? '';
  const partNumber = /^\d{1,5}$/.test(partText) ? Number(partText) : 0;
  if (partNumber < 1 || partNumber > 10_000) throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.');
  await context.multipart.read(bucket.name, uploadId, context.target.key);
  const { file, body } = await receiveToFile(context, MAX_PART_BYTES);
  const etag = `"${body.md5Hex}"`;
  await context.multipart.putPart(bucket.name, uploadId, { partNumber, etag, size: body.size }, file);
  return { status: 200, headers: { ETag: etag, ...checksumHeader(body) } };
}

export async function completeMultipartUpload(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const uploadId = queryValue(context.target, 'uploadId') ?? '';
  const upload = await context.multipart.read(bucket.name, uploadId, context.target.key);
  const body = await receiveSmallBody(context.request, context.target, context.auth.payload, MAX_COMPLETE_XML_BYTES);
  const xml = readRequestXml(body, 'CompleteMultipartUpload');
  const requested = elements(xml, 'Part').map((part) => ({
    partNumber: Number(textOf(part, 'PartNumber') ?? Number.NaN),
    etag: textOf(part, 'ETag') ?? '',
  }));
  if (requested.some((part) => !Number.isInteger(part.partNumber))) throw new S3Error('MalformedXML', 'Each Part needs a PartNumber.');
  const record = await context.multipart.complete(bucket.name, uploadId, upload, requested);
  return xmlReply(
    xmlDocument('CompleteMultipartUploadResult', {
      Location: `/${bucket.name}/${encodeURIComponent(record.key)}`,
      Bucket: bucket.name,
      Key: record.key,
      ETag: record.etag,
    }),
  );
}

export async function abortMultipartUpload(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const uploadId = queryValue(context.target, 'uploadId') ?? '';
  await context.multipart.read(bucket.name, uploadId, context.target.key);
  await context.multipart.abort(bucket.name, uploadId);
  return { status: 204 };
}

export async function listParts(context: RequestContext): Promise<Reply> {
  const bucket = await context.store.requireBucket(bucketOf(context));
  const uploadId = queryValue(context.target, 'uploadId') ?? '';
  await context.multipart.read(bucket.name, uploadId, context.target.key);
  const parts = await context.multipart.listParts(bucket.name, uploadId);
  return xmlReply(
    xmlDocument('ListPartsResult', {
      Bucket: bucket.name,
      Key: context.target.key,
      UploadId: uploadId,
      IsTruncated: false,
      Part: parts.map((part) => ({ PartNumber: part.partNumber, LastModified: part.lastModified, ETag: part.etag, Size: part.size })),
    }),
  );
}
