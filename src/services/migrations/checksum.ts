import { createHash } from 'node:crypto';

/** Prisma's checksum of a migration script: SHA-256 of the file's bytes, 64 lowercase hex characters. */
export function migrationChecksum(script: Uint8Array | string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether a checksum stored in the ledger belongs to this script. Like Prisma, a file whose
 * line endings were converted by git (LF <-> CRLF) still matches, and so does the unpadded hex
 * form that early Prisma versions wrote (each byte without its leading zero).
 */
export function checksumMatches(script: string, stored: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\r?\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered = stored.length === 64 ? digest.toString('hex') : unpaddedHex(digest);
    return rendered === stored;
  });
}

function unpaddedHex(bytes: Buffer): string {
  return [...bytes].map((byte) => byte.toString(16)).join('');
}
