/**
 * How `up` tells that the running S3 server was started with another key pair than `.env` now
 * holds: the state records a salted HMAC-SHA256 of the pair, never the pair. The record sits beside
 * `.env` (which holds the secret in clear) with the same private permissions; the salt only keeps
 * equal pairs of two projects from having equal fingerprints.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function s3KeyFingerprint(accessKey: string, secretKey: string, salt: string = randomBytes(16).toString('hex')): string {
  return `${salt}:${digest(salt, accessKey, secretKey)}`;
}

/** Whether `fingerprint` was made from this pair; false for a missing or unreadable one. */
export function matchesS3KeyFingerprint(fingerprint: string | undefined, accessKey: string, secretKey: string): boolean {
  const [salt, recorded] = (fingerprint ?? '').split(':');
  if (!salt || !recorded || !/^[0-9a-f]{64}$/.test(recorded)) return false;
  return timingSafeEqual(Buffer.from(recorded, 'hex'), Buffer.from(digest(salt, accessKey, secretKey), 'hex'));
}

function digest(salt: string, accessKey: string, secretKey: string): string {
  // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
  return createHmac('sha256', salt).update(`${accessKey.length}:${accessKey}:${secretKey}`).digest('hex');
}
