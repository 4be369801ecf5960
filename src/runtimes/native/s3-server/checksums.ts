/**
 * The integrity checksums S3 accepts with an upload (`x-amz-checksum-*`, as a header or as a
 * trailer after an aws-chunked body): CRC32, CRC32C, CRC64NVME, SHA1, SHA256, each computed while
 * the body streams in and compared, base64 of the big-endian digest, with what the client sent.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  update(data: Buffer): void;
  /** Base64 of the digest, as S3 writes it in x-amz-checksum-*. */
  digest(): string;
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'crc32':
      return nativeCrc32 ? nativeCrc32Checksum(nativeCrc32) : crc32Checksum(CRC32_TABLE);
    case 'crc32c':
      return crc32Checksum(CRC32C_TABLE);
    case 'crc64nvme':
      return crc64Checksum();
    case 'sha1':
    case 'sha256': {
      const hash = createHash(algorithm);
      return { update: (data) => hash.update(data), digest: () => hash.digest('base64') };
    }
  }
}

/** Reflected CRC-32 table for a polynomial (reversed form). */
function crc32Table(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    let value = index;
    for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? (value >>> 1) ^ polynomial : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
}

const CRC32_TABLE = crc32Table(0xedb88320);
/** zlib's CRC-32 (Node 20.15 and later) is native code; older Nodes use the table. */
const nativeCrc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;

function nativeCrc32Checksum(crc32: (data: Buffer, value?: number) => number): Checksum {
  let crc = 0;
  return {
    update(data) {
      crc = crc32(data, crc);
    },
    digest() {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out.toString('base64');
    },
  };
}
const CRC32C_TABLE = crc32Table(0x82f63b78);

function crc32Checksum(table: Uint32Array): Checksum {
  let crc = 0xffffffff;
  return {
    update(data) {
      for (let offset = 0; offset < data.length; offset += 1) {
        crc = (table[(crc ^ (data[offset] as number)) & 0xff] as number) ^ (crc >>> 8);
      }
    },
    digest() {
      const out = Buffer.alloc(4);
      out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
      return out.toString('base64');
    },
  };
}

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), kept as two 32-bit halves for speed. */
const CRC64_TABLES = (() => {
  const high = new Uint32Array(256);
  const low = new Uint32Array(256);
  const polyHigh = 0x9a6c9329;
  const polyLow = 0xac4bc9b5;
  for (let index = 0; index < 256; index += 1) {
    let hi = 0;
    let lo = index;
    for (let bit = 0; bit < 8; bit += 1) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ polyHigh) >>> 0;
        lo = (lo ^ polyLow) >>> 0;
      }
    }
    high[index] = hi;
    low[index] = lo;
  }
  return { high, low };
})();

function crc64Checksum(): Checksum {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  const { high, low } = CRC64_TABLES;
  return {
    update(data) {
      for (let offset = 0; offset < data.length; offset += 1) {
        const index = (lo ^ (data[offset] as number)) & 0xff;
        lo = (((lo >>> 8) | (hi << 24)) ^ (low[index] as number)) >>> 0;
        hi = ((hi >>> 8) ^ (high[index] as number)) >>> 0;
      }
    },
    digest() {
      const out = Buffer.alloc(8);
      out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
      out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
      return out.toString('base64');
    },
  };
}
