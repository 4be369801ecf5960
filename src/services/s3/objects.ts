/**
 * The object calls of backup, restore and the saved copy of an in-memory S3: list, read into a
 * stream, write from a file, delete. Content headers and x-amz-meta-* travel with each object.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings } from './client.js';
import { escapeXml, unescapeXml } from './cors.js';
import { parseS3ErrorXml, s3AnswerError } from './errors.js';
import { readText, SignedS3, type S3Response, type SignedRequest } from './signed-request.js';

/** The content headers S3 keeps with an object and gives back on GET. */
export const CONTENT_HEADERS = ['Content-Type', 'Content-Encoding', 'Content-Disposition', 'Content-Language', 'Cache-Control', 'Expires'] as const;

export interface ListedObject {
  key: string;
  size: number;
  /** As listed, quotes removed. */
  etag: string;
}

/** What an object carries besides its bytes. */
export interface ObjectFields {
  headers: Record<string, string>;
  metadata: Record<string, string>;
}

export interface DownloadedObject extends ObjectFields {
  size: number;
  sha256: string;
  md5: string;
}

export interface UploadSource {
  open: () => import('node:stream').Readable;
  size: number;
  sha256: string;
  md5: string;
}

export class S3Objects {
  private readonly s3: SignedS3;

  constructor(settings: S3Settings, signal?: AbortSignal) {
    this.s3 = new SignedS3(settings, signal);
  }

  get endpoint(): string {
    return this.s3.endpoint;
  }

  async listBuckets(): Promise<string[]> {
    const answer = await this.expectOk({ method: 'GET', action: 'listing buckets' });
    return [...answer.matchAll(/<Bucket>[\s\S]*?<Name>([^<]*)<\/Name>/g)].map((match) => unescapeXml(match[1] ?? ''));
  }

  /** Every object of the bucket (ListObjectsV2, page after page), in S3's key order. */
  async list(bucket: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const query: Array<[string, string]> = [['list-type', '2'], ['encoding-type', 'url']];
      if (token !== undefined) query.push(['continuation-token', token]);
      const page = await this.expectOk({ method: 'GET', bucket, query, action: `listing bucket "${bucket}"` });
      for (const match of page.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const body = match[1] ?? '';
        objects.push({ key: decodeListedKey(tagValue(body, 'Key')), size: Number(tagValue(body, 'Size')), etag: tagValue(body, 'ETag').replace(/"/g, '') });
      }
      token = tagValue(page, 'IsTruncated') === 'true' ? tagValue(page, 'NextContinuationToken') : undefined;
    } while (token);
    return objects;
  }

  /**
   * Streams the object into `sink`, hashing it on the way. Undefined when it is gone (deleted
   * after it was listed).
   */
  async download(bucket: string, key: string, sink: Writable): Promise<DownloadedObject | undefined> {
    const action = `reading object "${key}" of bucket "${bucket}"`;
    const response = await this.s3.send({ method: 'GET', bucket, key, action });
    if (response.statusCode === 404) {
      const { code } = parseS3ErrorXml(await readText(response));
      if (code === 'NoSuchKey' || code === '') return undefined;
      throw this.failure(response.statusCode, code, action);
    }
    if (response.statusCode !== 200) throw await this.failureOf(response, action);
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
    });
    await pipeline(response, sink);
    return { ...fieldsOf(response), size, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
  }

  /** PutObject with the bytes' SHA-256 and MD5, so the server checks them; returns its ETag. */
  async upload(bucket: string, key: string, source: UploadSource, fields: ObjectFields): Promise<string> {
    const headers: Record<string, string> = { ...fields.headers, 'Content-MD5': Buffer.from(source.md5, 'hex').toString('base64') };
    for (const [name, value] of Object.entries(fields.metadata)) headers[`x-amz-meta-${name}`] = value;
    const action = `writing object "${key}" to bucket "${bucket}"`;
    const response = await this.s3.send({ method: 'PUT', bucket, key, headers, body: { stream: source.open, size: source.size, sha256: source.sha256 }, action });
    if (response.statusCode !== 200) throw await this.failureOf(response, action);
    response.resume();
    return String(response.headers.etag ?? '').replace(/"/g, '');
  }

  /** DeleteObjects, 1,000 keys a call; a key that is already gone counts as deleted. */
  async delete(bucket: string, keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${batch.map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`).join('')}</Delete>`;
      const body = Buffer.from(xml);
      const action = `deleting ${batch.length} object(s) of bucket "${bucket}"`;
      const answer = await this.expectOk({
        method: 'POST',
        bucket,
        query: [['delete', '']],
        headers: { 'Content-MD5': createHash('md5').update(body).digest('base64'), 'Content-Type': 'application/xml' },
        body,
        action,
      });
      const failed = [...answer.matchAll(/<Error>([\s\S]*?)<\/Error>/g)].map((match) => tagValue(match[1] ?? '', 'Key'));
      if (failed.length > 0) throw this.failure(500, 'DeleteObjectsFailed', `${action}: ${failed.slice(0, 5).join(', ')} not deleted`);
    }
  }

  private async expectOk(request: SignedRequest): Promise<string> {
    const response = await this.s3.send(request);
    if (response.statusCode !== 200 && response.statusCode !== 204) throw await this.failureOf(response, request.action);
    return readText(response);
  }

  private async failureOf(response: S3Response, action: string): Promise<Error> {
    const { code, message } = parseS3ErrorXml(await readText(response));
    return s3AnswerError({ status: response.statusCode ?? 0, code, message, action, endpoint: this.endpoint });
  }

  private failure(status: number, code: string, action: string): Error {
    return s3AnswerError({ status, code, message: '', action, endpoint: this.endpoint });
  }
}

/** Content headers and x-amz-meta-* of a GET answer, under S3's names. */
function fieldsOf(response: S3Response): ObjectFields {
  const headers: Record<string, string> = {};
  for (const name of CONTENT_HEADERS) {
    const value = response.headers[name.toLowerCase()];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return { headers, metadata };
}

function tagValue(xml: string, tag: string): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return unescapeXml(match?.[1] ?? '');
}

/** encoding-type=url keys: percent-encoded, and `+` for a space in AWS's form. */
function decodeListedKey(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}
