import { GetBucketCorsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Server } from '../../src/runtimes/native/s3-server/server.js';

/**
 * A data directory left by the s3rver-based server of earlier versions (its layout, written here by
 * hand): the new server takes its buckets over on start, so an upgrade loses no attachment.
 */
describe('objects stored by the previous server (s3rver layout)', () => {
  const keys = { accessKeyId: 'AKIALEGACY00001', secretAccessKey: 'legacy-secret' };
  let directory: string;
  let server: Server;
  let client: S3Client;
  const logLines: string[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'datalayer-s3-legacy-'));
    const bucket = path.join(directory, 'chainlit-files');
    await mkdir(path.join(bucket, 'thread-1'), { recursive: true });
    await writeFile(path.join(bucket, 'thread-1', 'report.pdf._S3rver_object'), 'pdf bytes');
    await writeFile(path.join(bucket, 'thread-1', 'report.pdf._S3rver_object.md5'), 'a36dd9ad3b8a5d32f26a9c13d8d1bc8c');
    await writeFile(path.join(bucket, 'thread-1', 'report.pdf._S3rver_metadata.json'), JSON.stringify({ 'content-type': 'application/pdf', 'x-amz-meta-element': 'e-1' }));
    await writeFile(path.join(bucket, 'top.txt._S3rver_object'), 'top');
    await writeFile(path.join(bucket, '._S3rver_cors.xml'), '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>');
    await symlink('/etc/hostname', path.join(bucket, 'linked._S3rver_object'));
    server = await createS3Server({ directory, keys, log: (line) => logLines.push(line) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: keys });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  it('serves the old objects with their content type and metadata, and the bucket keeps its CORS rules', async () => {
    const listing = await client.send(new ListObjectsV2Command({ Bucket: 'chainlit-files' }));
    expect(listing.Contents?.map((object) => object.Key)).toEqual(['thread-1/report.pdf', 'top.txt']);
    const report = await client.send(new GetObjectCommand({ Bucket: 'chainlit-files', Key: 'thread-1/report.pdf' }));
    expect([await report.Body!.transformToString(), report.ContentType, report.Metadata]).toEqual(['pdf bytes', 'application/pdf', { element: 'e-1' }]);
    const cors = await client.send(new GetBucketCorsCommand({ Bucket: 'chainlit-files' }));
    expect(cors.CORSRules?.[0]).toMatchObject({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] });
  });

  it('keeps the old files, moved aside, and follows no symbolic link', async () => {
    expect(existsSync(path.join(directory, 'chainlit-files'))).toBe(false);
    expect(await readdir(path.join(directory, '_s3rver-imported', 'chainlit-files', 'thread-1'))).toContain('report.pdf._S3rver_object');
    expect(logLines.join('\n')).toContain('imported bucket chainlit-files (2 objects)');
  });
});
