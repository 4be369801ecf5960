/**
 * How `up` tells that the running S3 server was started with another key pair than `.env` now
 * holds: the state records a salted fingerprint of the pair (support/fingerprint.ts), never the pair.
 */
import { matchesPairFingerprint, pairFingerprint } from '../../support/fingerprint.js';

export function s3KeyFingerprint(accessKey: string, secretKey: string, salt?: string): string {
  return pairFingerprint(accessKey, secretKey, salt);
}

/** Whether `fingerprint` was made from this pair; false for a missing or unreadable one. */
export function matchesS3KeyFingerprint(fingerprint: string | undefined, accessKey: string, secretKey: string): boolean {
  return matchesPairFingerprint(fingerprint, accessKey, secretKey);
}
