import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, runCli } from '../helpers/cli.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort } from '../helpers/no-docker-env.js';
import { errorCodeOf, rawS3Request } from '../helpers/raw-s3-request.js';

/**
 * The native runtime's S3 server, started by the built CLI (`datalayer up --runtime native`), used
 * by real clients: the AWS SDK v3, aws4fetch, curl. Every object is read back byte for byte.
 */
describe('native S3 server, through datalayer up', () => {
  let host: HostFixture;
  let s3Port: number;
  const bucket = 'chainlit-files';
  const keys = { accessKey: 'AKIANATIVES3TEST01', secretKey: 'native-s3-secret/Kq9+zX' };
  // --runtime native on every `up`: whether a Docker engine is around does not matter here.
  const cli = (...args: string[]) => runCli(args, { cwd: host.dir, timeoutMs: 120_000 });
  const endpoint = () => `http://127.0.0.1:${s3Port}`;
  const client = (overrides: { accessKey?: string; secretKey?: string } = {}) =>
    new S3Client({
      endpoint: endpoint(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: overrides.accessKey ?? keys.accessKey, secretAccessKey: overrides.secretKey ?? keys.secretKey },
    });
  const readBack = async (key: string, s3 = client()) => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { bytes: Buffer.from(await answer.Body!.transformToByteArray()), contentType: answer.ContentType, metadata: answer.Metadata };
  };
  const nativeDir = () => path.join(host.dir, '.datalayer', 'native');
  const s3Record = () => (JSON.parse(readFileSync(path.join(nativeDir(), 'state.json'), 'utf8')) as { services: { s3: { pid: number } } }).services.s3;

  beforeAll(async () => {
    s3Port = await freePort();
    const envText = seedEnv()
      .replace('POSTGRES_PORT=5432', `POSTGRES_PORT=${await freePort()}`)
      .replace(/^DATABASE_URL=.*$/m, 'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}')
      .replace('BUCKET_NAME=my-bucket', `BUCKET_NAME=${bucket}`)
      .replace('APP_AWS_ACCESS_KEY=random-key', `APP_AWS_ACCESS_KEY=${keys.accessKey}`)
      .replace('APP_AWS_SECRET_KEY=random-key', `APP_AWS_SECRET_KEY=${keys.secretKey}`)
      .replace('LOCALSTACK_PORT=4566', `LOCALSTACK_PORT=${s3Port}`)
      .replace(/^DEV_AWS_ENDPOINT=.*$/m, 'DEV_AWS_ENDPOINT=http://localstack:4566');
    host = makeHost({ env: envText });
    await writeChainlitMigrations(host.submoduleDir);
    const up = await cli('up', '--runtime', 'native', '--json');
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
  });

  afterAll(async () => {
    if (!host) return;
    await cli('down', '--volumes', '--yes');
    host.cleanup();
  });

  it('AWS SDK v3 PutObject with a stream body (aws-chunked, CRC32 trailer) reads back byte for byte', async () => {
    const data = randomBytes(70_000);
    await client().send(
      new PutObjectCommand({ Bucket: bucket, Key: 'thread-1/stream.bin', Body: Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]), ContentLength: data.length, ContentType: 'image/png' }),
    );
    const back = await readBack('thread-1/stream.bin');
    expect(back.bytes.length).toBe(70_000);
    expect(back.bytes.equals(data)).toBe(true);
    expect(back.contentType).toBe('image/png');
  });

  it('a 5 MB multipart upload of streamed parts reads back byte for byte, with its content type and metadata', async () => {
    const s3 = client();
    const data = randomBytes(5 * 1024 * 1024 + 123_457);
    const key = 'thread-1/video.mp4';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'video/mp4', Metadata: { chainlit: 'element-7' } }));
    const parts = [data.subarray(0, 5 * 1024 * 1024), data.subarray(5 * 1024 * 1024)];
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const answer = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: Readable.from([part]), ContentLength: part.length }));
      etags.push(answer.ETag ?? '');
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) } }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const back = await readBack(key);
    expect(back.bytes.equals(data)).toBe(true);
    expect(back).toMatchObject({ contentType: 'video/mp4', metadata: { chainlit: 'element-7' } });
  });

  it('a presigned PUT sent by curl and a presigned GET read back byte for byte', async () => {
    // Without WHEN_REQUIRED the SDK presigns the CRC32 of an empty body, which S3 then refuses too.
    const s3 = new S3Client({ endpoint: endpoint(), region: 'eu-central-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey } });
    const file = path.join(host.dir, 'upload.bin');
    const data = randomBytes(200_000);
    writeFileSync(file, data);
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'thread-2/curl upload.bin' }), { expiresIn: 300 });
    const curl = await execa('curl', ['--silent', '--show-error', '--fail', '--upload-file', file, putUrl], { reject: false });
    expect(curl.exitCode, curl.stderr).toBe(0);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'thread-2/curl upload.bin' }), { expiresIn: 300 });
    const response = await fetch(getUrl);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('refuses a wrong secret, an unknown key id, an unsigned request and an expired presigned URL, with S3 codes', async () => {
    await client().send(new PutObjectCommand({ Bucket: bucket, Key: 'private.txt', Body: 'private' }));
    await expect(readBack('private.txt', client({ secretKey: 'not-the-secret' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(readBack('private.txt', client({ accessKey: 'AKIAUNKNOWN0000000' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    const unsigned = await fetch(`${endpoint()}/${bucket}/private.txt`);
    expect([unsigned.status, errorCodeOf(await unsigned.text())]).toEqual([403, 'AccessDenied']);
    const unsignedPut = await fetch(`${endpoint()}/${bucket}/planted.txt`, { method: 'PUT', body: 'planted' });
    expect(unsignedPut.status).toBe(403);
    const expired = await getSignedUrl(client(), new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' }), { expiresIn: 60, signingDate: new Date(Date.now() - 3_600_000) });
    const late = await fetch(expired);
    expect([late.status, errorCodeOf(await late.text())]).toEqual([403, 'AccessDenied']);
    await expect(client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'planted.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('answers a browser CORS preflight from the rules up gave the bucket, without a signature', async () => {
    const preflight = await fetch(`${endpoint()}/${bucket}/thread-3/upload.png`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    const refused = await fetch(`${endpoint()}/${bucket}/x`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': 'DELETE' } });
    expect(refused.status).toBe(403);
  });

  it('keys that climb out of the bucket are refused or stored inside it: nothing is written or read outside', async () => {
    const outsideFile = path.join(nativeDir(), 'outside.txt');
    writeFileSync(outsideFile, 'a file that is no object');
    const before = new Set(listFiles(host.dir));
    const send = (method: string, rawPath: string, body?: string) => rawS3Request({ port: s3Port, method, rawPath, body, keys });
    const climbing = [
      `/${bucket}/..%2F..%2F..%2Fwritten-outside.txt`,
      `/${bucket}/%2e%2e/%2e%2e/%2e%2e/written-outside-2.txt`,
      `/${bucket}/../../../written-outside-3.txt`,
      `/${bucket}/..\\..\\..\\written-outside-4.txt`,
      `/${bucket}//tmp/written-outside-5.txt`,
      `/${bucket}/${'..%2F'.repeat(150)}written-outside-6.txt`,
    ];
    for (const [index, rawPath] of climbing.entries()) {
      const body = `object ${index}`;
      const put = await send('PUT', rawPath, body);
      expect(put.status, `${rawPath}: ${put.body.toString()}`).toBe(200);
      const get = await send('GET', rawPath);
      expect([get.status, get.body.toString()]).toEqual([200, body]);
    }
    const refused = [
      [`/${bucket}/a%00b`, 'InvalidArgument'],
      [`/${bucket}/${'k'.repeat(1025)}`, 'KeyTooLongError'],
      ['/UPPER_case/x', 'InvalidBucketName'],
      ['/a..b/x', 'InvalidBucketName'],
      ['/xn--name/x', 'InvalidBucketName'],
    ] as const;
    for (const [rawPath, code] of refused) {
      const put = await send('PUT', rawPath, 'x');
      expect([put.status, errorCodeOf(put.body)], rawPath).toEqual([400, code]);
    }
    const readOutside = await send('GET', `/${bucket}/..%2F..%2F..%2Foutside.txt`);
    expect([readOutside.status, errorCodeOf(readOutside.body)]).toEqual([404, 'NoSuchKey']);
    const objectsDir = path.join('.datalayer', 'native', 's3', 'buckets', bucket, 'objects') + path.sep;
    const created = listFiles(host.dir).filter((file) => !before.has(file));
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((file) => !file.startsWith(objectsDir) && !file.startsWith(path.join('.datalayer', 'native', 'postgres')))).toEqual([]);
  });

  it('logs one whole plain-text line per request, presigned credentials masked', async () => {
    const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' }), { expiresIn: 60 });
    expect((await fetch(url)).status).toBe(200);
    const log = readFileSync(path.join(host.dir, '.datalayer', 'logs', 's3.log'), 'utf8');
    const lines = log.split('\n').filter(Boolean);
    expect(lines.some((line) => line.includes(`PUT /${bucket}?cors `) || line.includes(`PUT /${bucket}/?cors`))).toBe(true);
    const requestLines = lines.filter((line) => / (GET|PUT|POST|HEAD|DELETE|OPTIONS) \//.test(line));
    expect(requestLines.length).toBeGreaterThan(10);
    for (const line of requestLines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (GET|PUT|POST|HEAD|DELETE|OPTIONS) \/\S* \d{3}( [A-Za-z]+)? \d+ms \d+b$/);
    expect(log).not.toMatch(/\u001b/);
    expect(log).not.toContain(keys.accessKey);
    expect(log).not.toContain(keys.secretKey);
    expect(log).toContain('X-Amz-Credential=****');
  });

  it('runs as the unprivileged postgres user when datalayer runs as root, owning its data', async () => {
    const status = readFileSync(`/proc/${s3Record().pid}/status`, 'utf8');
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)?.slice(1).map(Number);
    const expected = process.getuid?.() === 0 ? Number((await execa('id', ['-u', 'postgres'])).stdout) : process.getuid?.();
    expect(expected).not.toBe(process.getuid?.() === 0 ? 0 : undefined);
    expect(uids).toEqual([expected, expected, expected]);
    expect(statSync(path.join(nativeDir(), 's3')).uid).toBe(expected);
  });

  it('up after the key pair in .env changed restarts the S3 server: the new pair works, the old one is refused', async () => {
    const before = s3Record().pid;
    const newKeys = { accessKey: 'AKIAROTATED00000002', secretKey: 'rotated-secret-2' };
    const envFile = path.join(host.dir, '.env');
    writeFileSync(
      envFile,
      readFileSync(envFile, 'utf8').replace(`APP_AWS_ACCESS_KEY=${keys.accessKey}`, `APP_AWS_ACCESS_KEY=${newKeys.accessKey}`).replace(`APP_AWS_SECRET_KEY=${keys.secretKey}`, `APP_AWS_SECRET_KEY=${newKeys.secretKey}`),
    );
    const status = await cli('status', '--json');
    expect(status.exitCode).toBe(5);
    expect(JSON.stringify(dataOf(status))).toContain('outdated');
    const up = await cli('up', '--runtime', 'native', '--json');
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ started: true });
    expect(s3Record().pid).not.toBe(before);
    const rotated = client(newKeys);
    expect((await readBack('private.txt', rotated)).bytes.toString()).toBe('private');
    await expect(readBack('private.txt')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    expect(readFileSync(path.join(nativeDir(), 'state.json'), 'utf8')).not.toContain(newKeys.secretKey);
  });
});

/** Every file under `root`, relative to it. */
function listFiles(root: string, relative = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(root, child));
    else files.push(child);
  }
  return files;
}
