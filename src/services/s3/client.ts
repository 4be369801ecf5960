import { createHash } from 'node:crypto';
import { isDatalayerError } from '../../support/errors.js';
import { corsToXml, escapeXml, parseCorsXml, type CorsRule } from './cors.js';
import { parseS3ErrorXml, s3AnswerError, s3NetworkError } from './errors.js';
import { readText, resolveS3Endpoint, SignedS3, type S3Settings, type SignedRequest } from './signed-request.js';

export { resolveS3Endpoint, type S3Settings };

export interface S3ClientOptions {
  /** Per request; keeps one silent server from eating a caller's whole deadline. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface S3Answer {
  status: number;
  body: string;
  /** Parsed from an XML error body ('' otherwise). */
  code: string;
  message: string;
}

/** What one read of a bucket's CORS rules tells: whether it exists, and its rules. */
export type BucketState = { exists: false } | { exists: true; cors: CorsRule[] };

const defaultRequestTimeoutMs = 5_000;

/** The handful of S3 calls datalayer needs, signed with SigV4, path-style URLs. */
export class S3Client {
  readonly endpoint: string;
  private readonly s3: SignedS3;

  constructor(
    settings: S3Settings,
    private readonly options: S3ClientOptions = {},
  ) {
    // Waiting and retrying are decided by the callers' deadlines, not hidden in here.
    this.s3 = new SignedS3(settings, options.signal, options.requestTimeoutMs ?? defaultRequestTimeoutMs);
    this.endpoint = this.s3.endpoint;
  }

  /** Any answer at all from the service root (ListBuckets); throws only when nothing answers. */
  async ping(): Promise<S3Answer> {
    return this.send({ method: 'GET', action: 'listing buckets' });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    // GetBucketLocation rather than HEAD: HEAD answers carry no error code to explain a 403.
    const answer = await this.send({ method: 'GET', bucket, query: [['location', '']], action: `reading bucket "${bucket}"` });
    if (answer.status === 200) return true;
    if (answer.status === 404 && (answer.code === 'NoSuchBucket' || answer.code === '')) return false;
    throw this.failure(answer, `reading bucket "${bucket}"`);
  }

  /** 'exists' when the bucket turned out to be there already (created meanwhile, or ours). */
  async createBucket(bucket: string, region: string): Promise<'created' | 'exists'> {
    const action = `creating bucket "${bucket}"`;
    // us-east-1 is S3's default location and must not be named explicitly.
    const body =
      region === 'us-east-1'
        ? ''
        : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`;
    const answer = await this.send({ method: 'PUT', bucket, action, body: Buffer.from(body), ...(body ? { headers: { 'Content-Type': 'application/xml' } } : {}) });
    if (answer.status === 200) return 'created';
    if (answer.code === 'BucketAlreadyOwnedByYou') return 'exists';
    if (answer.code === 'BucketAlreadyExists' && (await this.bucketExists(bucket))) return 'exists';
    throw this.failure(answer, action);
  }

  async putBucketCors(bucket: string, rules: readonly CorsRule[]): Promise<void> {
    const action = `setting CORS on bucket "${bucket}"`;
    const body = corsToXml(rules);
    const answer = await this.send({
      method: 'PUT',
      bucket,
      query: [['cors', '']],
      action,
      body: Buffer.from(body),
      // S3 requires an integrity header on PutBucketCors.
      headers: { 'Content-MD5': createHash('md5').update(body).digest('base64'), 'Content-Type': 'application/xml' },
    });
    if (answer.status !== 200 && answer.status !== 204) throw this.failure(answer, action);
  }

  /** The bucket's CORS rules; none when the bucket has no CORS configuration. */
  async getBucketCors(bucket: string): Promise<CorsRule[]> {
    const action = `reading CORS of bucket "${bucket}"`;
    const state = await this.bucketState(bucket);
    if (state.exists) return state.cors;
    throw this.failure({ status: 404, body: '', code: 'NoSuchBucket', message: '' }, action);
  }

  /**
   * One GetBucketCors: a signed request that the server answers proves it up and the key pair
   * accepted, and the answer says whether the bucket exists and which CORS rules it has.
   */
  async bucketState(bucket: string): Promise<BucketState> {
    const action = `reading bucket "${bucket}"`;
    const answer = await this.send({ method: 'GET', bucket, query: [['cors', '']], action });
    if (answer.status === 200) return { exists: true, cors: parseCorsXml(answer.body) };
    if (answer.code === 'NoSuchCORSConfiguration') return { exists: true, cors: [] };
    if (answer.code === 'NoSuchBucket') return { exists: false };
    // A 404 without a code could be either: ask the way that tells them apart.
    if (answer.status === 404 && answer.code === '') return (await this.bucketExists(bucket)) ? { exists: true, cors: [] } : { exists: false };
    throw this.failure(answer, action);
  }

  failure(answer: S3Answer, action: string): Error {
    return s3AnswerError({ ...answer, action, endpoint: this.endpoint });
  }

  private async send(request: SignedRequest): Promise<S3Answer> {
    let status: number;
    let text: string;
    try {
      const response = await this.s3.send(request);
      status = response.statusCode ?? 0;
      text = await readText(response);
    } catch (error) {
      if (this.options.signal?.aborted) throw this.options.signal.reason;
      // SignedS3 already explains a request that got no answer; a body cut short is explained here.
      throw isDatalayerError(error) ? error : s3NetworkError(error, this.endpoint, request.action);
    }
    const ok = status >= 200 && status < 300;
    const { code, message } = ok ? { code: '', message: '' } : parseS3ErrorXml(text);
    return { status, body: text, code, message };
  }
}
