/**
 * Bucket names and object keys as the server accepts them. A bucket name becomes a directory name,
 * so it must follow S3's rules (which leave no `/`, `..` or leading dot). An object key never
 * becomes a path: it is stored under the SHA-256 of its bytes, so `..`, `%2e%2e`, `..%2F`, `\`,
 * absolute paths and very long keys all stay inside their bucket. Keys S3 itself refuses, and keys
 * with control characters (which XML listings cannot carry), are refused with 400.
 */
import { createHash } from 'node:crypto';
import { S3Error } from './errors.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;

export function isValidBucketName(name: string): boolean {
  return (
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.endsWith('-s3alias')
  );
}

export function assertBucketName(name: string): void {
  if (!isValidBucketName(name)) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name.slice(0, 255) });
}

export function assertObjectKey(key: string): void {
  if (key === '') throw new S3Error('InvalidArgument', 'The object key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', 'Your key is too long.');
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new S3Error('InvalidArgument', 'Object keys with control characters (NUL, line breaks, ...) are not accepted by this server.');
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(key)) throw new S3Error('InvalidArgument', 'The object key is not valid UTF-8.');
}

/** The file name stem an object key is stored under: hex, so never a path. */
export function storedName(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** S3's key order: by the UTF-8 bytes (JavaScript's string order differs beyond U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
