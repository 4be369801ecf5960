import { ConfigError, ExitCode, isDatalayerError } from '../../support/errors.js';
import { attemptBudget, pollUntil, type ProbeOutcome, type WaitOptions } from '../../support/poll.js';
import { S3Client, resolveS3Endpoint, type BucketState, type S3Settings } from './client.js';
import { chainlitCorsRules } from './cors.js';
import { describeNetworkError } from './errors.js';

export interface EnsureBucketOptions extends S3Settings {
  bucket: string;
  /** Allowed to create the bucket and set its CORS rules; otherwise only checks. */
  create: boolean;
  signal?: AbortSignal;
}

export interface EnsureBucketResult {
  created: boolean;
  /** set: written now; present: the bucket already had CORS rules; skipped: none, and not allowed to write. */
  cors: 'set' | 'present' | 'skipped';
}

/**
 * Makes sure the bucket exists with Chainlit's CORS rules (or, with create=false, that it exists).
 * `seen`: what a read of the bucket just told (the wait for S3 reads it as its probe), so that a
 * running stack's bucket costs one request in all.
 */
export async function ensureBucket(options: EnsureBucketOptions, seen?: BucketState): Promise<EnsureBucketResult> {
  const client = new S3Client(options, { signal: options.signal });
  let state = seen ?? (await client.bucketState(options.bucket));
  let created = false;
  if (!state.exists) {
    if (!options.create) {
      throw new ConfigError(`Bucket "${options.bucket}" does not exist at ${client.endpoint}.`, {
        hint: 'Create it with `--create-bucket`, or set BUCKET_NAME to an existing bucket.',
        data: { service: 's3', bucket: options.bucket },
      });
    }
    created = (await client.createBucket(options.bucket, options.region)) === 'created';
    // Created by someone else meanwhile: its rules are theirs to read.
    state = created ? { exists: true, cors: [] } : await client.bucketState(options.bucket);
  }
  if (state.exists && state.cors.length > 0) return { created, cors: 'present' };
  if (!options.create) return { created, cors: 'skipped' };
  await client.putBucketCors(options.bucket, chainlitCorsRules);
  return { created, cors: 'set' };
}

/** `check` throws to stop waiting, e.g. when the S3 container or process has exited. */
export interface WaitForS3Options extends S3Settings, WaitOptions {
  /** Probe by reading this bucket: its state is then known without another request. */
  bucket?: string;
}

/**
 * Waits until the S3 endpoint answers a signed request. A rejected key pair ends the wait at
 * once (exit 3); 5xx answers and refused connections are waited out. With a bucket, the probe
 * reads its CORS rules and returns what it learnt; without, it lists buckets.
 */
export async function waitForS3(options: WaitForS3Options): Promise<BucketState | undefined> {
  const endpoint = resolveS3Endpoint(options);
  const probe = async (): Promise<ProbeOutcome<BucketState | undefined>> => {
    const client = new S3Client(options, {
      signal: options.signal,
      requestTimeoutMs: attemptBudget(options.deadline, 5_000),
    });
    try {
      if (options.bucket !== undefined) return { done: true, value: await client.bucketState(options.bucket) };
      const answer = await client.ping();
      // AccessDenied on ListBuckets still proves a live server that knows the key.
      if (answer.status < 400 || answer.code === 'AccessDenied') return { done: true, value: undefined };
      throw client.failure(answer, 'listing buckets');
    } catch (error) {
      // Only "nothing answered" and an unhealthy server (5xx, 429) are worth waiting for; settings
      // errors and aborts end the wait.
      if (!isDatalayerError(error) || error.exitCode !== ExitCode.notReady) throw error;
      const { status, code } = error.data;
      if (typeof status !== 'number') return { done: false, reason: describeNetworkError(error.cause ?? error) };
      return { done: false, reason: `answered HTTP ${status}${typeof code === 'string' && code ? ` ${code}` : ''}` };
    }
  };
  return pollUntil(probe, { ...options, label: `S3 at ${endpoint}` });
}
