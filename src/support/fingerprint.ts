/**
 * Telling whether a secret changed without keeping it: a salted HMAC-SHA256 of a pair of values
 * (an S3 key pair, a user and password). The salt only keeps equal pairs of two projects from
 * having equal fingerprints; a record holding one sits beside `.env` (which holds the secret in
 * clear) with the same private permissions.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function pairFingerprint(first: string, second: string, salt: string = randomBytes(16).toString('hex')): string {
  return `${salt}:${digest(salt, first, second)}`;
}

/** Whether `fingerprint` was made from this pair; false for a missing or unreadable one. */
export function matchesPairFingerprint(fingerprint: string | undefined, first: string, second: string): boolean {
  const [salt, recorded] = (fingerprint ?? '').split(':');
  if (!salt || !recorded || !/^[0-9a-f]{64}$/.test(recorded)) return false;
  return timingSafeEqual(Buffer.from(recorded, 'hex'), Buffer.from(digest(salt, first, second), 'hex'));
}

function digest(salt: string, first: string, second: string): string {
  // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
  return createHmac('sha256', salt).update(`${first.length}:${first}:${second}`).digest('hex');
}
