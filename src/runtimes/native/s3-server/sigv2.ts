/**
 * AWS Signature Version 2, which S3 still accepts and boto3 uses by default for presigned URLs in
 * the older regions (us-east-1, eu-west-1, ...): a Chainlit app there hands its browsers SigV2 URLs.
 */
import { createHmac } from 'node:crypto';

/** The query parameters that are part of the signed resource (S3's list of subresources). */
const SIGNED_SUBRESOURCES = new Set([
  'acl', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy',
  'requestPayment', 'restore', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning',
  'versions', 'website', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'response-content-language', 'response-content-type', 'response-expires',
]);

export interface SigV2Input {
  method: string;
  contentMd5: string;
  contentType: string;
  /** The Date header (header auth, empty when x-amz-date is sent) or the Expires parameter (query auth). */
  dateOrExpires: string;
  /** Lower-case `x-amz-*` headers with all their values. */
  amzHeaders: ReadonlyArray<readonly [string, readonly string[]]>;
  /** `/bucket/key` as sent (percent-encoded). */
  resourcePath: string;
  query: ReadonlyArray<readonly [string, string]>;
}

export function sigV2StringToSign(input: SigV2Input): string {
  const amz = [...input.amzHeaders]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, values]) => `${name}:${values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',')}\n`)
    .join('');
  const subresources = input.query
    .filter(([name]) => SIGNED_SUBRESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  const resource = input.resourcePath + (subresources.length > 0 ? `?${subresources.join('&')}` : '');
  return [input.method, input.contentMd5, input.contentType, input.dateOrExpires, `${amz}${resource}`].join('\n');
}

export function sigV2Signature(secretAccessKey: string, text: string): string {
  return createHmac('sha1', secretAccessKey).update(text, 'utf8').digest('base64');
}
