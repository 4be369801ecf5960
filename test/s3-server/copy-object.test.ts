import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';

describe('server-side copy', () => {
  const keys = { accessKey: 'AKIACOPY00000001', secretKey: 'copy-secret' };
  let s3: RealS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startRealS3(keys);
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey } });
    await client.send(new CreateBucketCommand({ Bucket: 'from-bucket' }));
    await client.send(new CreateBucketCommand({ Bucket: 'to-bucket' }));
    await client.send(new PutObjectCommand({ Bucket: 'from-bucket', Key: 'a b/ü.txt', Body: 'copied bytes', ContentType: 'text/plain', Metadata: { origin: 'first' } }));
  });
  afterAll(() => s3.stop());

  it('copies bytes and metadata, or replaces the metadata when asked', async () => {
    await client.send(new CopyObjectCommand({ Bucket: 'to-bucket', Key: 'copy.txt', CopySource: `from-bucket/${encodeURIComponent('a b/ü.txt')}` }));
    const copy = await client.send(new GetObjectCommand({ Bucket: 'to-bucket', Key: 'copy.txt' }));
    expect([await copy.Body!.transformToString(), copy.ContentType, copy.Metadata]).toEqual(['copied bytes', 'text/plain', { origin: 'first' }]);
    await client.send(new CopyObjectCommand({ Bucket: 'to-bucket', Key: 'copy.txt', CopySource: 'to-bucket/copy.txt', MetadataDirective: 'REPLACE', ContentType: 'text/markdown', Metadata: { origin: 'second' } }));
    const replaced = await client.send(new GetObjectCommand({ Bucket: 'to-bucket', Key: 'copy.txt' }));
    expect([await replaced.Body!.transformToString(), replaced.ContentType, replaced.Metadata]).toEqual(['copied bytes', 'text/markdown', { origin: 'second' }]);
    await expect(client.send(new CopyObjectCommand({ Bucket: 'to-bucket', Key: 'x', CopySource: 'from-bucket/missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
