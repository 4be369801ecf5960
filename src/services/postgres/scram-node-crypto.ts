/**
 * The hashing pg's SCRAM login needs, on node:crypto. pg 8 does it with Web Crypto, whose first use
 * in a process loads Node's whole webcrypto layer and sends each step (key import, PBKDF2, each
 * HMAC) through the thread pool: ~5 ms of a warm `up`, `status` or `migrate`, which log in once.
 * The build (scripts/build.mjs) puts this module in place of pg's lib/crypto/utils.js, and checks
 * that it still exports what pg calls; the tests compare every answer with pg's own.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes as nodeRandomBytes } from 'node:crypto';

type Bytes = Buffer | ArrayBuffer | Uint8Array;

const bytes = (data: Bytes): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));

export function randomBytes(length: number): Buffer {
  return nodeRandomBytes(length);
}

export async function md5(text: string | Bytes): Promise<string> {
  return createHash('md5').update(typeof text === 'string' ? Buffer.from(text, 'utf8') : bytes(text)).digest('hex');
}

export async function postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string> {
  const inner = await md5(password + user);
  return `md5${await md5(Buffer.concat([Buffer.from(inner), salt]))}`;
}

export async function sha256(data: Bytes): Promise<Buffer> {
  return createHash('sha256').update(bytes(data)).digest();
}

/** Web Crypto's names ('SHA-256', 'SHA512-224') as node:crypto spells them ('sha256', 'sha512-224'). */
export async function hashByName(name: string, data: Bytes): Promise<Buffer> {
  return createHash(name.toLowerCase().replace(/^sha-/, 'sha')).update(bytes(data)).digest();
}

export async function hmacSha256(key: Bytes, message: string): Promise<Buffer> {
  return createHmac('sha256', bytes(key)).update(message, 'utf8').digest();
}

export async function deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
}
