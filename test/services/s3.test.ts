import { GetBucketCorsCommand, HeadBucketCommand, S3Client as AwsSdkS3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, NotReadyError } from '../../src/support/errors.js';
import { S3Client, resolveS3Endpoint } from '../../src/services/s3/client.js';
import { chainlitCorsRules, corsToXml, parseCorsXml } from '../../src/services/s3/cors.js';
import { ensureBucket, waitForS3 } from '../../src/services/s3/ensure.js';
import { parseS3ErrorXml } from '../../src/services/s3/errors.js';
import { freePort } from '../helpers/real-postgres.js';
import { startRealS3, type RealS3 } from '../helpers/real-s3.js';

const accessKey = 'datalayer-test-key';
const secretKey = 'Secret-Key-0b5e7a91';
const region = 'eu-central-1';
let s3: RealS3;
let bucketCount = 0;

beforeAll(async () => {
  s3 = await startRealS3({ accessKey, secretKey });
});
afterAll(async () => {
  await s3?.stop();
});

const settings = () => ({ endpoint: s3.endpoint, region, accessKey, secretKey });
const newBucketName = () => `chainlit-test-${++bucketCount}`;

/** An independent client (the AWS SDK) to check what our requests did on the server. */
function sdk(): AwsSdkS3Client {
  return new AwsSdkS3Client({
    endpoint: s3.endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  });
}

describe('ensureBucket against the native S3 server', () => {
  it('creates the bucket with the CORS rules, then finds both present', async () => {
    const bucket = newBucketName();
    expect(await ensureBucket({ ...settings(), bucket, create: true })).toEqual({ created: true, cors: 'set' });

    await sdk().send(new HeadBucketCommand({ Bucket: bucket }));
    const cors = await sdk().send(new GetBucketCorsCommand({ Bucket: bucket }));
    expect(cors.CORSRules).toEqual([
      expect.objectContaining({
        AllowedHeaders: ['*'],
        AllowedMethods: ['GET', 'POST', 'PUT'],
        AllowedOrigins: ['*'],
        ExposeHeaders: ['ETag'],
      }),
    ]);

    expect(await ensureBucket({ ...settings(), bucket, create: true })).toEqual({ created: false, cors: 'present' });
  });

  it('adds CORS to an existing bucket that has none', async () => {
    const bucket = newBucketName();
    const client = new S3Client(settings());
    expect(await client.createBucket(bucket, region)).toBe('created');
    expect(await client.getBucketCors(bucket)).toEqual([]);
    expect(await ensureBucket({ ...settings(), bucket, create: true })).toEqual({ created: false, cors: 'set' });
    expect(await client.getBucketCors(bucket)).toEqual(chainlitCorsRules);
  });

  it('only checks when not allowed to create: missing bucket is exit 3 with a --create-bucket hint', async () => {
    const bucket = newBucketName();
    const error = await ensureBucket({ ...settings(), bucket, create: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(bucket);
    expect((error as ConfigError).hint).toContain('--create-bucket');
    expect(await new S3Client(settings()).bucketExists(bucket)).toBe(false);
  });

  it('leaves the CORS of an existing bucket alone when not allowed to create', async () => {
    const bucket = newBucketName();
    const client = new S3Client(settings());
    await client.createBucket(bucket, region);
    expect(await ensureBucket({ ...settings(), bucket, create: false })).toEqual({ created: false, cors: 'skipped' });
    expect(await client.getBucketCors(bucket)).toEqual([]);
  });

  it('reports a wrong secret key as exit 3 naming the variables, without the secret', async () => {
    const wrongSecret = 'Wrong-Secret-77aa01';
    const error = await ensureBucket({ ...settings(), secretKey: wrongSecret, bucket: newBucketName(), create: true }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('SignatureDoesNotMatch');
    expect((error as ConfigError).hint).toContain('APP_AWS_SECRET_KEY');
    const everything = `${(error as ConfigError).message} ${(error as ConfigError).hint} ${JSON.stringify((error as ConfigError).data)}`;
    expect(everything).not.toContain(wrongSecret);
  });

  it('reports an unknown access key as exit 3', async () => {
    const error = await ensureBucket({ ...settings(), accessKey: 'unknown-key', bucket: newBucketName(), create: true }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('InvalidAccessKeyId');
    expect((error as ConfigError).hint).toContain('APP_AWS_ACCESS_KEY');
  });

  it('reports a server that is down as exit 5 naming S3 and the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const bucket = newBucketName();
    const error = await ensureBucket({ ...settings(), endpoint, bucket, create: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toBe(`S3 at ${endpoint} is not reachable (connection refused) while reading bucket "${bucket}".`);
  });
});

describe('waitForS3', () => {
  it('returns once the server answers a signed request', async () => {
    await expect(waitForS3({ ...settings(), deadline: Date.now() + 5_000 })).resolves.toBeUndefined();
  });

  it('with a bucket, its probe reads the bucket: missing, then present with its rules, each one answer', async () => {
    const bucket = newBucketName();
    const waits: string[] = [];
    const options = { ...settings(), bucket, deadline: Date.now() + 5_000, onWait: (reason: string) => waits.push(reason) };
    expect(await waitForS3(options)).toEqual({ exists: false });
    await ensureBucket({ ...settings(), bucket, create: true });
    const seen = await waitForS3(options);
    expect(seen).toEqual({ exists: true, cors: [...chainlitCorsRules] });
    expect(waits).toEqual([]);
    // What the probe saw is enough: ensureBucket sends nothing more for a bucket that has its rules.
    expect(await ensureBucket({ ...settings(), endpoint: `http://127.0.0.1:${await freePort()}`, bucket, create: true }, seen)).toEqual({ created: false, cors: 'present' });
  });

  it('gives up at the deadline naming S3 and the last reason', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const reasons: string[] = [];
    const error = await waitForS3({
      ...settings(),
      endpoint,
      // Long enough that the first attempt (which loads the HTTP client) ends with the refusal, not
      // with the deadline, on a loaded machine.
      deadline: Date.now() + 3_000,
      intervalMs: 100,
      onWait: (reason) => reasons.push(reason),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toMatch(new RegExp(`^S3 at ${endpoint} was not ready .*connection refused`));
    expect(reasons[0]).toBe('connection refused');
  });

  it('stops at once on a rejected key pair', async () => {
    const waits: string[] = [];
    const error = await waitForS3({
      ...settings(),
      secretKey: 'nope-nope',
      deadline: Date.now() + 30_000,
      onWait: (reason) => waits.push(reason),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    // At once: the first refusal ends the wait, no second attempt.
    expect(waits).toEqual([]);
  });
});

describe('S3 pure parts', () => {
  it('round-trips CORS rules through XML', () => {
    const rules = [
      ...chainlitCorsRules,
      { allowedHeaders: [], allowedMethods: ['GET'], allowedOrigins: ['https://a.example?x=1&y=<2>'], exposeHeaders: [] },
    ];
    expect(parseCorsXml(corsToXml(rules))).toEqual(rules);
  });

  it.each([
    ['<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>', 'NoSuchBucket', 'The specified bucket does not exist'],
    ['<?xml version="1.0"?>\n<Error>\n  <Code>SignatureDoesNotMatch</Code>\n</Error>', 'SignatureDoesNotMatch', ''],
    ['', '', ''],
    ['<Error><Code>A&amp;B</Code></Error>', 'A&B', ''],
  ])('parseS3ErrorXml(%j)', (xml, code, message) => {
    expect(parseS3ErrorXml(xml)).toEqual({ code, message });
  });

  it('uses DEV_AWS_ENDPOINT when set, else the regional AWS endpoint', () => {
    expect(resolveS3Endpoint({ endpoint: 'http://localhost:4566/', region })).toBe('http://localhost:4566');
    expect(resolveS3Endpoint({ endpoint: '', region })).toBe('https://s3.eu-central-1.amazonaws.com');
    expect(resolveS3Endpoint({ region: 'us-east-1' })).toBe('https://s3.us-east-1.amazonaws.com');
  });
});

describe('an https endpoint', () => {
  it('is spoken to over TLS, with the certificate verified: a self-signed one is refused, never sent the request', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const https = await import('node:https');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    let requests = 0;
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) => {
      requests++;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const error = await ensureBucket({ endpoint: `https://127.0.0.1:${port}`, region, accessKey, secretKey, bucket: 'b', create: true }).catch((caught: unknown) => caught);
      expect(String((error as Error).message)).toMatch(/not reachable \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
      expect(requests).toBe(0);
      // Waiting cannot make a certificate trusted: a configuration error (exit 3), said at once.
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).hint).toContain('NODE_EXTRA_CA_CERTS');
      const waited = await waitForS3({ endpoint: `https://127.0.0.1:${port}`, region, accessKey, secretKey, deadline: Date.now() + 30_000 }).catch((caught: unknown) => caught);
      expect(waited).toBeInstanceOf(ConfigError);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
