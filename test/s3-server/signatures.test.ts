import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AwsClient } from 'aws4fetch';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Server } from '../../src/runtimes/native/s3-server/server.js';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';
import { errorCodeOf, rawS3Request } from '../helpers/raw-s3-request.js';

/**
 * The server's signature checks against signatures made by other implementations: the AWS SDK v3,
 * aws4fetch (a SigV4 signer other than the aws4 package datalayer signs with), boto3's SigV2 presigned URLs (what Chainlit hands browsers
 * in us-east-1), and the streamed-upload example of AWS's SigV4 documentation.
 */
describe('signatures made by the AWS SDK v3 and aws4fetch', () => {
  const keys = { accessKey: 'AKIASIGNATURES0001', secretKey: 'sig/secret+with=odd&chars' };
  let s3: RealS3;
  const sdk = (secretKey = keys.secretKey, accessKey = keys.accessKey) =>
    new S3Client({ endpoint: s3.endpoint, region: 'eu-central-1', forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  const aws = (secretKey = keys.secretKey) => new AwsClient({ accessKeyId: keys.accessKey, secretAccessKey: secretKey, service: 's3', region: 'us-east-1' });

  beforeAll(async () => {
    s3 = await startRealS3(keys);
    await sdk().send(new CreateBucketCommand({ Bucket: 'sigs' }));
  });
  afterAll(() => s3.stop());

  const oddKeys = ['plain.txt', 'space and + plus.txt', "it's (odd) !*~ [x] {y} $&=;,@.txt", 'ünïcödé/ключ/鍵.txt', 'a//double/slash', 'trailing/', '%2e%2e/%41 literal percent'];

  it('accepts AWS SDK v3 header signatures for keys with every kind of character', async () => {
    for (const key of oddKeys) {
      await sdk().send(new PutObjectCommand({ Bucket: 'sigs', Key: key, Body: `body of ${key}` }));
      const answer = await sdk().send(new GetObjectCommand({ Bucket: 'sigs', Key: key }));
      expect(await answer.Body!.transformToString()).toBe(`body of ${key}`);
    }
  });

  it('accepts aws4fetch header and presigned query signatures for the same keys', async () => {
    for (const key of oddKeys) {
      const url = `${s3.endpoint}/sigs/${key.split('/').map(encodeURIComponent).join('/')}`;
      expect((await aws().fetch(url)).status, key).toBe(200);
      const presigned = await aws().sign(url, { aws: { signQuery: true } });
      const answer = await fetch(presigned.url);
      expect([answer.status, await answer.text()], key).toEqual([200, `body of ${key}`]);
    }
  });

  it('refuses a wrong secret, an unknown key id, a changed path, an unsigned x-amz header and no signature', async () => {
    await expect(sdk('wrong-secret').send(new GetObjectCommand({ Bucket: 'sigs', Key: 'plain.txt' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(sdk(keys.secretKey, 'AKIAOTHER').send(new GetObjectCommand({ Bucket: 'sigs', Key: 'plain.txt' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    const presigned = await aws().sign(`${s3.endpoint}/sigs/plain.txt`, { aws: { signQuery: true } });
    const moved = await fetch(presigned.url.replace('/sigs/plain.txt', '/sigs/trailing/'));
    expect([moved.status, errorCodeOf(await moved.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const signed = await aws().sign(`${s3.endpoint}/sigs/added.txt`, { method: 'PUT', body: 'x' });
    const headers = new Headers(signed.headers);
    headers.set('x-amz-meta-added', 'after signing');
    const added = await fetch(signed.url, { method: 'PUT', headers, body: 'x' });
    expect([added.status, errorCodeOf(await added.text())]).toEqual([403, 'AccessDenied']);
    const anonymous = await fetch(`${s3.endpoint}/sigs/plain.txt`);
    expect([anonymous.status, errorCodeOf(await anonymous.text())]).toEqual([403, 'AccessDenied']);
  });

  it('honours the expiry of presigned URLs', async () => {
    const command = new GetObjectCommand({ Bucket: 'sigs', Key: 'plain.txt' });
    const expired = await getSignedUrl(sdk(), command, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const late = await fetch(expired);
    expect([late.status, errorCodeOf(await late.text())]).toEqual([403, 'AccessDenied']);
    const valid = await getSignedUrl(sdk(), command, { expiresIn: 300, signingDate: new Date(Date.now() - 120_000) });
    expect((await fetch(valid)).status).toBe(200);
  });

  it('refuses a body that does not match its signed x-amz-content-sha256, and stores nothing', async () => {
    const claimed = await aws().sign(`${s3.endpoint}/sigs/sha.txt`, {
      method: 'PUT',
      body: 'the signed body',
      headers: { 'X-Amz-Content-Sha256': 'a'.repeat(64) },
    });
    const answer = await fetch(claimed);
    expect([answer.status, errorCodeOf(await answer.text())]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect((await aws().fetch(`${s3.endpoint}/sigs/sha.txt`)).status).toBe(404);
  });

  it('refuses an aws-chunked body whose CRC32 trailer is wrong, and stores nothing; the right one is stored unframed', async () => {
    const send = (checksum: string) =>
      rawS3Request({
        port: s3.port,
        method: 'PUT',
        rawPath: '/sigs/trailer.txt',
        keys,
        headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11', 'x-amz-trailer': 'x-amz-checksum-crc32' },
        contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        body: `b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`,
      });
    const wrong = await send('AAAAAA==');
    expect([wrong.status, errorCodeOf(wrong.body)]).toEqual([400, 'BadDigest']);
    expect((await aws().fetch(`${s3.endpoint}/sigs/trailer.txt`)).status).toBe(404);
    const right = await send('DUoRhQ==');
    expect(right.status, right.body.toString()).toBe(200);
    expect(await (await aws().fetch(`${s3.endpoint}/sigs/trailer.txt`)).text()).toBe('hello world');
  });

  it('answers a CORS preflight from the bucket rules without a signature, and refuses one they do not allow', async () => {
    const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>http://app.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>content-type</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>';
    expect((await aws().fetch(`${s3.endpoint}/sigs?cors`, { method: 'PUT', body: cors })).status).toBe(200);
    const preflight = (origin: string, method: string) =>
      fetch(`${s3.endpoint}/sigs/upload.txt`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'Content-Type' } });
    const allowed = await preflight('http://app.example', 'PUT');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(allowed.headers.get('access-control-max-age')).toBe('600');
    expect((await preflight('http://evil.example', 'PUT')).status).toBe(403);
    expect((await preflight('http://app.example', 'DELETE')).status).toBe(403);
  });
});

describe('SigV2 presigned URLs, as boto3 makes them for Chainlit in us-east-1', () => {
  // Made by botocore 1.43 (generate_presigned_url, region us-east-1, ExpiresIn of 30 years).
  const keys = { accessKey: 'AKIAVECTOR000001', secretKey: 'vector-secret/with+chars' };
  const presignedPath = '/chainlit-files/thread-1/report%20v2.txt?AWSAccessKeyId=AKIAVECTOR000001&Signature=VE96DFFGPmYe1z17N4xoZyYHwg0%3D&Expires=2742224440';
  let s3: RealS3;

  beforeAll(async () => {
    s3 = await startRealS3(keys);
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey } });
    await client.send(new CreateBucketCommand({ Bucket: 'chainlit-files' }));
    await client.send(new PutObjectCommand({ Bucket: 'chainlit-files', Key: 'thread-1/report v2.txt', Body: 'report', ContentType: 'text/plain' }));
  });
  afterAll(() => s3.stop());

  it('serves the object to the URL boto3 signed, and refuses it changed', async () => {
    const answer = await fetch(`${s3.endpoint}${presignedPath}`);
    expect([answer.status, await answer.text(), answer.headers.get('content-type')]).toEqual([200, 'report', 'text/plain']);
    const longer = await fetch(`${s3.endpoint}${presignedPath.replace('Expires=2742224440', 'Expires=2742224441')}`);
    expect([longer.status, errorCodeOf(await longer.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const other = await fetch(`${s3.endpoint}${presignedPath.replace('report%20v2', 'report%20v3')}`);
    expect(other.status).toBe(403);
  });
});

describe('signed aws-chunked uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  // The example of AWS's SigV4 streaming documentation: 66,560 bytes of "a" in chunks of 65,536
  // and 1,024 bytes, signed on 2013-05-24 with the documentation's example key pair.
  const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const chunkSignatures = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const sizes = [65_536, 1_024, 0];
  let server: Server;
  let port: number;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'datalayer-s3-chunks-'));
    server = await createS3Server({ directory, keys, log: () => {}, now: () => new Date('2013-05-24T00:00:30Z') });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    // The example's bucket, made the way the documentation's request finds it.
    const bucketDir = path.join(directory, 'buckets', 'examplebucket');
    await mkdir(path.join(bucketDir, 'objects'), { recursive: true });
    await mkdir(path.join(bucketDir, 'uploads'));
    await writeFile(path.join(bucketDir, 'bucket.json'), JSON.stringify({ name: 'examplebucket', createdAt: '2013-05-24T00:00:00.000Z', region: '' }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  const body = (tamper: boolean) => {
    const parts = sizes.map((size, index) => {
      const data = Buffer.alloc(size, 'a');
      if (tamper && index === 1) data[100] = 0x62;
      return Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${chunkSignatures[index]}\r\n`), data, Buffer.from('\r\n')]);
    });
    return Buffer.concat(parts);
  };
  const send = (payload: Buffer, method = 'PUT') =>
    rawS3Request({
      port,
      method,
      rawPath: '/examplebucket/chunkObject.txt',
      body: method === 'PUT' ? payload : undefined,
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`,
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'content-length': String(payload.length),
      },
    });

  it('refuses the example with one byte changed (its chunk signature no longer matches), storing nothing', async () => {
    const answer = await send(body(true));
    expect([answer.status, errorCodeOf(answer.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await readdir(path.join(directory, 'buckets', 'examplebucket', 'objects'))).toEqual([]);
  });

  it('stores the documented example as its 66,560 bytes, without the chunk framing', async () => {
    const payload = body(false);
    expect(payload.length).toBe(66_824);
    const answer = await send(payload);
    expect(answer.status, answer.body.toString()).toBe(200);
    const objects = path.join(directory, 'buckets', 'examplebucket', 'objects');
    const dataFile = (await readdir(objects)).find((file) => file.endsWith('.data'))!;
    expect((await readFile(path.join(objects, dataFile))).equals(Buffer.alloc(66_560, 'a'))).toBe(true);
  });
});
