import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { execa } from 'execa';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket } from '../../src/services/s3/ensure.js';
import { FORK_LIKE_INIT_SCRIPT, standinEntry, startStandin, type StandinProcess } from '../helpers/localstack-standin.js';

/**
 * The LocalStack stand-in that the engine set-up builds into `localstack/localstack` images where
 * the real one cannot be pulled. The real-engine tests trust it to behave like LocalStack
 * community for what the fork's compose file and Chainlit use; these tests hold it to that.
 */
const sdk = (endpoint: string, accessKeyId = `AKIA${Math.random().toString(36).slice(2, 10).toUpperCase()}`) =>
  new S3Client({ endpoint, region: 'eu-central-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: 'any-secret' } });

describe('LocalStack stand-in: init hooks and health', () => {
  let standin: StandinProcess;
  beforeAll(async () => {
    standin = await startStandin({
      readyScripts: {
        '01-fork.sh': FORK_LIKE_INIT_SCRIPT,
        '02-fails.sh': '#!/bin/sh\necho about to fail\nexit 3\n',
        '03-no-exec-bit.sh': '#!/bin/sh\necho never\n',
      },
      notExecutable: ['03-no-exec-bit.sh'],
    });
  });
  afterAll(() => standin?.stop());

  it('reports S3 running and the community edition', async () => {
    const health = await (await fetch(`${standin.endpoint}/_localstack/health`)).json();
    expect(health).toMatchObject({ services: { s3: 'running' }, edition: 'community' });
  });

  it('ran the ready.d scripts in name order with awslocal; a failing or non-executable one is ERROR', async () => {
    const init = await (await fetch(`${standin.endpoint}/_localstack/init/ready`)).json();
    expect(init).toEqual({
      completed: true,
      scripts: [
        { stage: 'READY', name: '01-fork.sh', state: 'SUCCESSFUL' },
        { stage: 'READY', name: '02-fails.sh', state: 'ERROR' },
        { stage: 'READY', name: '03-no-exec-bit.sh', state: 'ERROR' },
      ],
    });
    expect(standin.output()).toContain('about to fail');
  });

  it("the fork's script made my-bucket in eu-central-1 with Chainlit's CORS rules", async () => {
    const client = sdk(standin.endpoint);
    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'my-bucket' }))).LocationConstraint).toBe('eu-central-1');
    const cors = await client.send(new GetBucketCorsCommand({ Bucket: 'my-bucket' }));
    expect(cors.CORSRules).toEqual([{ AllowedHeaders: ['*'], AllowedMethods: ['GET', 'POST', 'PUT'], AllowedOrigins: ['*'], ExposeHeaders: ['ETag'] }]);
  });

  it('answers a browser preflight by the bucket CORS rules, and refuses what they do not allow', async () => {
    const preflight = (method: string) =>
      fetch(`${standin.endpoint}/my-bucket/some/file.png`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'content-type' },
      });
    const allowed = await preflight('PUT');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');
    expect((await preflight('DELETE')).status).toBe(403);
  });
});

describe('LocalStack stand-in: S3 with any key', () => {
  let standin: StandinProcess;
  beforeAll(async () => {
    standin = await startStandin();
  });
  afterAll(() => standin?.stop());

  it('keeps content types and metadata of objects written by the AWS SDK (aws-chunked uploads included)', async () => {
    const client = sdk(standin.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'files', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'thread 1/notes é.txt', Body: 'hello attachment', ContentType: 'text/plain; charset=utf-8', Metadata: { chainlit: 'element-7' } }));
    // Another key pair reads it back: LocalStack checks no signature.
    const reader = sdk(standin.endpoint, 'ANOTHERKEY');
    const object = await reader.send(new GetObjectCommand({ Bucket: 'files', Key: 'thread 1/notes é.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello attachment');
    expect(object.ContentType).toBe('text/plain; charset=utf-8');
    expect(object.Metadata).toEqual({ chainlit: 'element-7' });
    const head = await reader.send(new HeadObjectCommand({ Bucket: 'files', Key: 'thread 1/notes é.txt' }));
    expect(head.ContentLength).toBe('hello attachment'.length);
    // A stream body goes out aws-chunked, with a checksum trailer: stored without the framing.
    const stream = Readable.from([Buffer.from('streamed '), Buffer.from('bytes')]);
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'streamed', Body: stream, ContentLength: 14, ContentType: 'application/pdf' }));
    const streamed = await reader.send(new GetObjectCommand({ Bucket: 'files', Key: 'streamed' }));
    expect(await streamed.Body?.transformToString()).toBe('streamed bytes');
    expect(streamed.ContentType).toBe('application/pdf');
    expect(streamed.ContentEncoding).toBeUndefined();
  });

  it('lists with prefixes, delimiters and continuation, and deletes in bulk', async () => {
    const client = sdk(standin.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'b/1', 'c', 'd', 'e'];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
    const grouped = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    expect(grouped.Contents?.map((o) => o.Key)).toEqual(['c', 'd', 'e']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 4, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen).toEqual(keys);
    await client.send(new DeleteObjectsCommand({ Bucket: 'listing', Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'listing' }))).KeyCount).toBe(0);
  });

  it('serves presigned PUT and GET URLs, as Chainlit uses them', async () => {
    const client = sdk(standin.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'presigned' }));
    const put = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'presigned', Key: 'up.bin', ContentType: 'image/png' }), { expiresIn: 60 });
    expect((await fetch(put, { method: 'PUT', body: 'png bytes', headers: { 'Content-Type': 'image/png' } })).status).toBe(200);
    const get = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'presigned', Key: 'up.bin' }), { expiresIn: 60 });
    const response = await fetch(get);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(await response.text()).toBe('png bytes');
  });

  it("datalayer's own bucket step (create, then CORS) works against it", async () => {
    const outcome = await ensureBucket({ endpoint: standin.endpoint, region: 'eu-central-1', accessKey: 'k', secretKey: 's', bucket: 'chainlit-files', create: true });
    expect(outcome).toEqual({ created: true, cors: 'set' });
    expect(await ensureBucket({ endpoint: standin.endpoint, region: 'eu-central-1', accessKey: 'k', secretKey: 's', bucket: 'chainlit-files', create: true })).toEqual({
      created: false,
      cors: 'present',
    });
  });

  it('awslocal: `s3 mb` makes a bucket; an unsupported command exits 252', async () => {
    const awslocal = path.join(path.dirname(standinEntry), 'bin', 'awslocal');
    const env = { GATEWAY_LISTEN: `127.0.0.1:${standin.port}` };
    const made = await execa(awslocal, ['s3', 'mb', 's3://made-by-mb'], { env, reject: false });
    expect(made.stdout).toBe('make_bucket: made-by-mb');
    const buckets = await sdk(standin.endpoint).send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain('made-by-mb');
    const unsupported = await execa(awslocal, ['sqs', 'create-queue'], { env, reject: false });
    expect(unsupported.exitCode).toBe(252);
    expect(unsupported.stderr).toContain('does not support `sqs create-queue`');
  });
});

describe('LocalStack stand-in: lifetime', () => {
  it('keeps state in memory only: after a restart, only what the init script makes is there', async () => {
    const first = await startStandin({ readyScripts: { 'init.sh': FORK_LIKE_INIT_SCRIPT } });
    await sdk(first.endpoint).send(new CreateBucketCommand({ Bucket: 'lost-on-restart' }));
    await first.stop();
    const second = await startStandin({ readyScripts: { 'init.sh': FORK_LIKE_INIT_SCRIPT } });
    try {
      const buckets = await sdk(second.endpoint).send(new ListBucketsCommand({}));
      expect(buckets.Buckets?.map((b) => b.Name)).toEqual(['my-bucket']);
    } finally {
      await second.stop();
    }
  });

  it('the variant that needs a token exits 55 without LOCALSTACK_AUTH_TOKEN, saying why', async () => {
    const standin = await startStandin({ env: { STANDIN_REQUIRES_AUTH_TOKEN: '1', LOCALSTACK_AUTH_TOKEN: '' }, waitForReady: false });
    try {
      expect(await standin.exited).toBe(55);
      expect(standin.output()).toContain('License activation failed');
    } finally {
      await standin.stop();
    }
  });

  it('the same variant starts when the container has a token', async () => {
    const standin = await startStandin({ env: { STANDIN_REQUIRES_AUTH_TOKEN: '1', LOCALSTACK_AUTH_TOKEN: 'ls-token-for-test' } });
    try {
      expect(await (await fetch(`${standin.endpoint}/_localstack/health`)).json()).toMatchObject({ services: { s3: 'running' } });
    } finally {
      await standin.stop();
    }
  });
});
