import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as ours from '../../src/services/postgres/scram-node-crypto.js';

// pg's own Web Crypto implementation, which the build replaces with ours.
const theirs = createRequire(import.meta.url)('pg/lib/crypto/utils.js') as typeof ours;
const hex = (data: ArrayBuffer | Uint8Array | string) => (typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('hex'));

describe("SCRAM's hashing on node:crypto gives pg's answers", () => {
  it('exports every function pg calls', () => {
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  });

  it('PBKDF2, HMAC and SHA-256 of a SCRAM login, with a non-ASCII password', async () => {
    const salt = Buffer.from('c2FsdHNhbHRzYWx0c2FsdA==', 'base64');
    for (const password of ['pencil', 'pässwörd with spaces & ünïcode ✓', '']) {
      const salted = await ours.deriveKey(password, salt, 4096);
      expect(hex(salted)).toBe(hex(await theirs.deriveKey(password, salt, 4096)));
      const clientKey = await ours.hmacSha256(salted, 'Client Key');
      expect(hex(clientKey)).toBe(hex(await theirs.hmacSha256(await theirs.deriveKey(password, salt, 4096), 'Client Key')));
      expect(hex(await ours.sha256(clientKey))).toBe(hex(await theirs.sha256(clientKey)));
      expect(hex(await ours.hmacSha256(clientKey, 'n=*,r=nonce,ü'))).toBe(hex(await theirs.hmacSha256(clientKey, 'n=*,r=nonce,ü')));
    }
  });

  it('the hashes channel binding names, MD5 passwords, and random bytes of the asked length', async () => {
    const certificate = Buffer.from('a certificate, as raw bytes');
    for (const name of ['SHA-256', 'SHA-384', 'SHA-512']) {
      expect(hex(await ours.hashByName(name, certificate)), name).toBe(hex(await theirs.hashByName(name, certificate)));
    }
    const salt = Buffer.from([1, 2, 3, 4]);
    expect(await ours.postgresMd5PasswordHash('chainlit', 'sécret', salt)).toBe(await theirs.postgresMd5PasswordHash('chainlit', 'sécret', salt));
    expect(await ours.md5('text')).toBe(await theirs.md5('text'));
    const random = ours.randomBytes(18);
    expect(random).toHaveLength(18);
    expect(random.toString('base64')).not.toBe(ours.randomBytes(18).toString('base64'));
  });
});
