import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from '../../src/runtimes/native/s3-server/aws-chunked.js';
import { createChecksum, type ChecksumAlgorithm } from '../../src/runtimes/native/s3-server/checksums.js';
import { S3Error } from '../../src/runtimes/native/s3-server/errors.js';
import { pageOf } from '../../src/runtimes/native/s3-server/listing.js';
import { assertObjectKey, isValidBucketName, storedName } from '../../src/runtimes/native/s3-server/names.js';
import type { ObjectRecord } from '../../src/runtimes/native/s3-server/object-store.js';
import { escapeForLog, formatRequestLine, maskTarget } from '../../src/runtimes/native/s3-server/request-log.js';
import { canonicalQuery, canonicalUri, chunkSignature, sha256Hex, signingKey, trailerSignature } from '../../src/runtimes/native/s3-server/sigv4.js';

describe('checksums', () => {
  // The check values of each algorithm's catalogue entry: the digest of "123456789".
  it.each<[ChecksumAlgorithm, string]>([
    ['crc32', 'cbf43926'],
    ['crc32c', 'e3069283'],
    ['crc64nvme', 'ae8b14860a799888'],
    ['sha1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['sha256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ])('%s of "123456789" is %s, also fed in pieces', (algorithm, hex) => {
    const whole = createChecksum(algorithm);
    whole.update(Buffer.from('123456789'));
    const pieces = createChecksum(algorithm);
    for (const piece of ['1', '2345', '6789']) pieces.update(Buffer.from(piece));
    const digest = whole.digest();
    expect(Buffer.from(digest, 'base64').toString('hex')).toBe(hex);
    expect(pieces.digest()).toBe(digest);
  });
});

describe('aws-chunked decoding', () => {
  const decode = async (body: string, pieceSize: number, announced: string[] = []) => {
    const pieces = Array.from({ length: Math.ceil(body.length / pieceSize) }, (_, index) => Buffer.from(body.slice(index * pieceSize, (index + 1) * pieceSize), 'latin1'));
    const trailers = new Map<string, string>();
    const out: Buffer[] = [];
    for await (const data of decodeAwsChunked((async function* () { yield* pieces; })(), { trailer: announced.length > 0, announcedTrailers: announced, trailers })) out.push(Buffer.from(data));
    return { data: Buffer.concat(out).toString('latin1'), trailers: Object.fromEntries(trailers) };
  };
  const framed = '5\r\nhello\r\n7\r\n, world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n';

  it.each([1, 2, 3, 7, 1000])('removes the framing whatever the network pieces (%i bytes at a time)', async (size) => {
    expect(await decode(framed, size, ['x-amz-checksum-crc32'])).toEqual({ data: 'hello, world', trailers: { 'x-amz-checksum-crc32': 'AAAA' } });
  });

  it.each([
    ['a chunk longer than its size', '3\r\nhello\r\n0\r\n\r\n', 'InvalidRequest'],
    ['a body cut short', '5\r\nhel', 'IncompleteBody'],
    ['data after the last chunk', '0\r\n\r\nextra', 'InvalidRequest'],
    ['a size that is not hex', 'zz\r\nhello\r\n', 'InvalidRequest'],
    ['a chunk signature on an unsigned body', `5;chunk-signature=${'0'.repeat(64)}\r\nhello\r\n0\r\n\r\n`, 'InvalidRequest'],
    ['an endless header line', 'f'.repeat(5000), 'InvalidRequest'],
  ])('refuses %s', async (_, body, code) => {
    await expect(decode(body, 4)).rejects.toMatchObject({ code });
  });

  it('checks a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), and refuses it changed', async () => {
    const scope = { date: '20261201', region: 'us-east-1', service: 's3' };
    const amzDate = '20261201T120000Z';
    const key = signingKey('trailer-secret', scope);
    const seedSignature = 'f'.repeat(64);
    const first = chunkSignature(key, amzDate, scope, seedSignature, sha256Hex(Buffer.from('hello')));
    const last = chunkSignature(key, amzDate, scope, first, sha256Hex(Buffer.alloc(0)));
    const body = (checksum: string) => {
      const trailer = trailerSignature(key, amzDate, scope, last, 'x-amz-checksum-crc32:NhCmhg==\n');
      return `5;chunk-signature=${first}\r\nhello\r\n0;chunk-signature=${last}\r\nx-amz-checksum-crc32:${checksum}\r\nx-amz-trailer-signature:${trailer}\r\n\r\n`;
    };
    const run = async (text: string) => {
      const trailers = new Map<string, string>();
      const out: Buffer[] = [];
      const source = (async function* () {
        yield Buffer.from(text, 'latin1');
      })();
      for await (const data of decodeAwsChunked(source, { trailer: true, signing: { key, amzDate, scope, seedSignature }, announcedTrailers: ['x-amz-checksum-crc32'], trailers })) out.push(Buffer.from(data));
      return { data: Buffer.concat(out).toString(), trailers: Object.fromEntries(trailers) };
    };
    expect(await run(body('NhCmhg=='))).toEqual({ data: 'hello', trailers: { 'x-amz-checksum-crc32': 'NhCmhg==' } });
    await expect(run(body('AAAAAA=='))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses a trailer that x-amz-trailer did not announce', async () => {
    await expect(decode('0\r\nx-amz-checksum-sha256:AAAA\r\n\r\n', 64, ['x-amz-checksum-crc32'])).rejects.toBeInstanceOf(S3Error);
  });
});

describe('bucket names and object keys', () => {
  it.each(['my-bucket', 'chainlit-files', 'a.b.c', '123'])('accepts the bucket name %s', (name) => expect(isValidBucketName(name)).toBe(true));
  it.each(['..', '.hidden', 'ab', 'UPPER', 'under_score', 'a..b', 'a.-b', '192.168.0.1', 'xn--abc', 'x-s3alias', '-start', 'end-', 'a/b', 'a'.repeat(64)])(
    'refuses the bucket name %j',
    (name) => expect(isValidBucketName(name)).toBe(false),
  );
  it.each(['../../etc/passwd', '..\\..\\x', '/absolute', '%2e%2e/x', 'ключ', 'a'.repeat(1024)])('stores %j under a hex name', (key) => {
    expect(() => assertObjectKey(key)).not.toThrow();
    expect(storedName(key)).toMatch(/^[0-9a-f]{64}$/);
  });
  it.each([['', 'InvalidArgument'], ['a\u0000b', 'InvalidArgument'], ['line\nbreak', 'InvalidArgument'], ['a'.repeat(1025), 'KeyTooLongError'], ['é'.repeat(513), 'KeyTooLongError'], ['\ud800x', 'InvalidArgument']])(
    'refuses the key %j',
    (key, code) => expect(() => assertObjectKey(key)).toThrow(expect.objectContaining({ code })),
  );
});

describe('listing pages', () => {
  const records = ['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'd'].map((key) => ({ key }) as ObjectRecord);
  const keysOf = (page: ReturnType<typeof pageOf>) => [...page.contents.map((record) => record.key), ...page.commonPrefixes];

  it.each([
    [{ prefix: '', delimiter: '', after: '', maxKeys: 1000 }, ['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'd'], false],
    [{ prefix: '', delimiter: '/', after: '', maxKeys: 1000 }, ['b', 'd', 'a/', 'c/'], false],
    [{ prefix: 'c/', delimiter: '/', after: '', maxKeys: 1000 }, ['c/y', 'c/x/'], false],
    [{ prefix: '', delimiter: '/', after: '', maxKeys: 2 }, ['b', 'a/'], true],
    [{ prefix: '', delimiter: '/', after: 'a/', maxKeys: 2 }, ['b', 'c/'], true],
    [{ prefix: '', delimiter: '', after: 'c/x/1', maxKeys: 1000 }, ['c/y', 'd'], false],
  ])('%j gives %j (truncated: %s)', (request, expected, truncated) => {
    const page = pageOf(records, request);
    expect(keysOf(page).sort()).toEqual([...expected].sort());
    expect(page.truncated).toBe(truncated);
  });
});

describe('SigV4 canonical forms', () => {
  it.each([
    ['/bucket/a b+c', '/bucket/a%20b%2Bc'],
    ["/bucket/it's (x) !*~", '/bucket/it%27s%20%28x%29%20%21%2A~'],
    ['/bucket/../a//b/', '/bucket/../a//b/'],
    ['/bucket/ключ', '/bucket/%D0%BA%D0%BB%D1%8E%D1%87'],
  ])('path %j is %j (no normalisation, RFC 3986)', (path, canonical) => expect(canonicalUri(path)).toBe(canonical));

  it('sorts and encodes the query, leaving the signature out', () => {
    expect(canonicalQuery([['x-id', 'GetObject'], ['cors', ''], ['b', 'a b'], ['X-Amz-Signature', 'sig'], ['a', '2'], ['a', '1']], 'X-Amz-Signature')).toBe('a=1&a=2&b=a%20b&cors=&x-id=GetObject');
  });
});

describe('request log lines', () => {
  it('masks presigned credentials and signatures, SigV2 ones too', () => {
    expect(maskTarget('/b/k?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=abc&x-id=GetObject')).toBe('/b/k?X-Amz-Credential=****&X-Amz-Signature=****&x-id=GetObject');
    expect(maskTarget('/b/k?AWSAccessKeyId=AKIA&Signature=x%3D&Expires=1')).toBe('/b/k?AWSAccessKeyId=****&Signature=****&Expires=1');
  });

  it('escapes control characters so a line stays one line, and masks the key pair anywhere', () => {
    expect(escapeForLog('a\nb\u001b[2Jc\u00e9')).toBe('a\\x0ab\\x1b[2Jc\\xe9');
    const line = formatRequestLine({ time: new Date(0), method: 'GET', url: '/b/AKIASECRET\r\n', status: 200, code: '', milliseconds: 1.4, bytes: 3 }, ['AKIASECRET']);
    expect(line).toBe('1970-01-01T00:00:00.000Z GET /b/****\\x0d\\x0a 200 1ms 3b');
  });
});
