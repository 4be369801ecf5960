import { request } from 'node:http';
import { AwsV4Signer } from 'aws4fetch';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequestOptions {
  port: number;
  method: string;
  /** Sent exactly as given: `..`, `%2e%2e`, backslashes are not normalised as a URL would. */
  rawPath: string;
  /** The same path decoded: what the signature covers (S3 signs the decoded path, re-encoded). */
  decodedPath?: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  keys?: { accessKey: string; secretKey: string };
  /** x-amz-content-sha256 of a signed request (default UNSIGNED-PAYLOAD). */
  contentSha256?: string;
}

/**
 * One HTTP request with a raw request line, signed by aws4fetch (an independent SigV4 signer)
 * over the decoded path, or unsigned without `keys`. Fetch cannot send such paths: it normalises them.
 */
export async function rawS3Request(options: RawRequestOptions): Promise<RawAnswer> {
  const host = `127.0.0.1:${options.port}`;
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  let headers: Record<string, string> = { ...options.headers };
  if (options.keys) {
    const decoded = options.decodedPath ?? decodeURIComponent(options.rawPath);
    // The key as one encoded segment (`..%2F..%2Fx`): the URL parser leaves it alone, and aws4fetch
    // decodes it back before signing. (A key of exactly `..` cannot be signed this way.)
    const bucketEnd = decoded.indexOf('/', 1);
    const signingPath = bucketEnd < 0 ? decoded : `${decoded.slice(0, bucketEnd)}/${encodeURIComponent(decoded.slice(bucketEnd + 1))}`;
    const signer = new AwsV4Signer({
      method: options.method,
      url: `http://${host}${signingPath}`,
      headers: { ...headers, 'X-Amz-Content-Sha256': options.contentSha256 ?? 'UNSIGNED-PAYLOAD' },
      accessKeyId: options.keys.accessKey,
      secretAccessKey: options.keys.secretKey,
      service: 's3',
      region: 'us-east-1',
    });
    const signed = await signer.sign();
    headers = Object.fromEntries(signed.headers.entries());
  }
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: options.port, method: options.method, path: options.rawPath, headers: { host, ...headers } }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The <Code> of an S3 error document. */
export function errorCodeOf(body: Buffer | string): string {
  return /<Code>([^<]*)<\/Code>/.exec(body.toString())?.[1] ?? '';
}
