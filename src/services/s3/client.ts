import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { corsToXml, escapeXml, parseCorsXml, type CorsRule } from './cors.js';
import { parseS3ErrorXml, s3AnswerError, s3NetworkError } from './errors.js';

export interface S3Settings {
  /** DEV_AWS_ENDPOINT; without it, the AWS regional endpoint. */
  endpoint?: string;
  region: string;
  accessKey: string;
  secretKey: string;
}

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

const defaultRequestTimeoutMs = 5_000;

/** DEV_AWS_ENDPOINT without its trailing slash, or the regional AWS endpoint. */
export function resolveS3Endpoint(settings: Pick<S3Settings, 'endpoint' | 'region'>): string {
  const endpoint = settings.endpoint?.trim();
  if (endpoint) return endpoint.replace(/\/+$/, '');
  return `https://s3.${settings.region}.amazonaws.com`;
}

/** The handful of S3 calls datalayer needs, signed with SigV4, path-style URLs. */
export class S3Client {
  readonly endpoint: string;
  private readonly aws: AwsClient;

  constructor(
    settings: S3Settings,
    private readonly options: S3ClientOptions = {},
  ) {
    this.endpoint = resolveS3Endpoint(settings);
    this.aws = new AwsClient({
      accessKeyId: settings.accessKey,
      secretAccessKey: settings.secretKey,
      service: 's3',
      region: settings.region,
      // Waiting and retrying are decided by the callers' deadlines, not hidden in here.
      retries: 0,
    });
  }

  /** Any answer at all from the service root (ListBuckets); throws only when nothing answers. */
  async ping(): Promise<S3Answer> {
    return this.send('GET', '/', 'listing buckets');
  }

  async bucketExists(bucket: string): Promise<boolean> {
    // GetBucketLocation rather than HEAD: HEAD answers carry no error code to explain a 403.
    const answer = await this.send('GET', `/${encodeURIComponent(bucket)}?location`, `reading bucket "${bucket}"`);
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
    const answer = await this.send('PUT', `/${encodeURIComponent(bucket)}`, action, body);
    if (answer.status === 200) return 'created';
    if (answer.code === 'BucketAlreadyOwnedByYou') return 'exists';
    if (answer.code === 'BucketAlreadyExists' && (await this.bucketExists(bucket))) return 'exists';
    throw this.failure(answer, action);
  }

  async putBucketCors(bucket: string, rules: readonly CorsRule[]): Promise<void> {
    const action = `setting CORS on bucket "${bucket}"`;
    const body = corsToXml(rules);
    const answer = await this.send('PUT', `/${encodeURIComponent(bucket)}?cors`, action, body, {
      // S3 requires an integrity header on PutBucketCors.
      'Content-MD5': createHash('md5').update(body).digest('base64'),
      'Content-Type': 'application/xml',
    });
    if (answer.status !== 200 && answer.status !== 204) throw this.failure(answer, action);
  }

  /** The bucket's CORS rules; none when the bucket has no CORS configuration. */
  async getBucketCors(bucket: string): Promise<CorsRule[]> {
    const action = `reading CORS of bucket "${bucket}"`;
    const answer = await this.send('GET', `/${encodeURIComponent(bucket)}?cors`, action);
    if (answer.status === 200) return parseCorsXml(answer.body);
    if (answer.code === 'NoSuchCORSConfiguration') return [];
    throw this.failure(answer, action);
  }

  failure(answer: S3Answer, action: string): Error {
    return s3AnswerError({ ...answer, action, endpoint: this.endpoint });
  }

  private async send(
    method: string,
    pathAndQuery: string,
    action: string,
    body = '',
    headers: Record<string, string> = {},
  ): Promise<S3Answer> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? defaultRequestTimeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.aws.fetch(`${this.endpoint}${pathAndQuery}`, {
        method,
        body: body === '' ? undefined : body,
        headers: { ...headers, 'X-Amz-Content-Sha256': createHash('sha256').update(body).digest('hex') },
        signal,
      });
    } catch (error) {
      if (this.options.signal?.aborted) throw this.options.signal.reason;
      throw s3NetworkError(error, this.endpoint, action);
    }
    const text = await response.text();
    const { code, message } = response.ok ? { code: '', message: '' } : parseS3ErrorXml(text);
    return { status: response.status, body: text, code, message };
  }
}
