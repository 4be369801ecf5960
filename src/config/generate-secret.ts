import { randomInt } from 'node:crypto';

/** Letters and digits, as `chainlit create-secret` uses: safe bare in `.env`, in shells and in URLs. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 64 characters of 62 symbols: about 381 bits. */
export const SECRET_LENGTH = 64;

/**
 * A random secret from the operating system's CSPRNG. `randomInt` draws without modulo bias
 * (it rejects values past the last full multiple of the alphabet size).
 */
export function generateSecret(length: number = SECRET_LENGTH): string {
  let secret = '';
  for (let index = 0; index < length; index += 1) secret += ALPHABET[randomInt(ALPHABET.length)];
  return secret;
}
