/**
 * Decodes an aws-chunked upload body into the bytes the client meant to store:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
 *
 * Signed bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`) have each chunk's signature checked
 * against the previous one, starting from the request's own; a signed trailer is checked too.
 * Data is passed on as it arrives: the caller commits nothing before the generator has finished.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ChunkSigning } from './authenticate.js';
import { S3Error } from './errors.js';
import { chunkSignature, EMPTY_SHA256, signaturesEqual, trailerSignature } from './sigv4.js';

export interface ChunkedBodyOptions {
  trailer: boolean;
  signing?: ChunkSigning;
  /** Trailer names announced in x-amz-trailer; a trailer not announced is refused. */
  announcedTrailers: readonly string[];
  /** Filled with the trailing headers once the body has been read. */
  trailers: Map<string, string>;
}

const MAX_LINE = 4096;
const MAX_CHUNK = 5 * 1024 ** 3;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'final-line' | 'done';

export async function* decodeAwsChunked(source: AsyncIterable<Buffer>, options: ChunkedBodyOptions): AsyncGenerator<Buffer> {
  const decoder = new ChunkDecoder(options);
  for await (const piece of source) yield* decoder.push(piece);
  decoder.finish();
}

class ChunkDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = 'size';
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkClaim = '';
  private previousSignature: string;
  private readonly trailerLines: Array<[string, string]> = [];

  constructor(private readonly options: ChunkedBodyOptions) {
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  *push(piece: Buffer): Generator<Buffer> {
    this.pending = this.pending.length === 0 ? piece : Buffer.concat([this.pending, piece]);
    for (;;) {
      if (this.state === 'data') {
        if (this.pending.length === 0) return;
        const take = Math.min(this.remaining, this.pending.length);
        const data = this.pending.subarray(0, take);
        this.chunkHash?.update(data);
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        yield data;
        continue;
      }
      if (this.state === 'done') {
        if (this.pending.length > 0) throw malformed('there is data after the final chunk');
        return;
      }
      const line = this.takeLine();
      if (line === undefined) return;
      this.readLine(line);
    }
  }

  finish(): void {
    const lenientEnd = (this.state === 'final-line' || this.state === 'trailer') && this.pending.length === 0;
    if (this.state !== 'done' && !lenientEnd) {
      throw new S3Error('IncompleteBody', 'The request body ended before its final aws-chunked chunk.');
    }
    if (this.state === 'trailer') this.closeTrailer();
  }

  private takeLine(): string | undefined {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) {
      if (this.pending.length > MAX_LINE) throw malformed('a chunk header line is too long');
      return undefined;
    }
    const line = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + 2);
    return line;
  }

  private readLine(line: string): void {
    switch (this.state) {
      case 'size':
        return this.readChunkHeader(line);
      case 'data-end':
        if (line !== '') throw malformed('a chunk is longer than its declared size');
        this.verifyChunk(this.chunkHash?.digest('hex') ?? EMPTY_SHA256);
        this.state = 'size';
        return;
      case 'trailer':
        if (line === '') {
          this.closeTrailer();
          this.state = 'done';
          return;
        }
        return this.readTrailerLine(line);
      case 'final-line':
        if (line !== '') throw malformed('the final chunk must be followed by an empty line');
        this.state = 'done';
        return;
      default:
        throw malformed('unexpected state');
    }
  }

  private readChunkHeader(line: string): void {
    const match = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
    if (!match) throw malformed(`bad chunk header "${line.slice(0, 80)}"`);
    const size = Number.parseInt(match[1] ?? '', 16);
    if (size > MAX_CHUNK) throw new S3Error('EntityTooLarge', 'A chunk is larger than the maximum allowed object size.');
    const signed = this.options.signing !== undefined;
    if (signed !== (match[2] !== undefined)) {
      throw signed ? new S3Error('SignatureDoesNotMatch', 'A chunk of a signed aws-chunked body carries no signature.') : malformed('an unsigned body carries chunk signatures');
    }
    this.chunkClaim = match[2] ?? '';
    this.chunkHash = signed ? createHash('sha256') : undefined;
    if (size > 0) {
      this.remaining = size;
      this.state = 'data';
      return;
    }
    this.verifyChunk(EMPTY_SHA256);
    this.state = this.options.trailer ? 'trailer' : 'final-line';
  }

  private verifyChunk(dataSha256: string): void {
    const signing = this.options.signing;
    if (!signing) return;
    const expected = chunkSignature(signing.key, signing.amzDate, signing.scope, this.previousSignature, dataSha256);
    if (!signaturesEqual(expected, this.chunkClaim)) {
      throw new S3Error('SignatureDoesNotMatch', 'The signature of a chunk of the body does not match: the body was changed or signed with another key.');
    }
    this.previousSignature = expected;
  }

  private readTrailerLine(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('a trailing header has no name');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name !== 'x-amz-trailer-signature' && !this.options.announcedTrailers.includes(name)) {
      throw new S3Error('InvalidRequest', `The trailing header ${name} was not announced in x-amz-trailer.`);
    }
    this.trailerLines.push([name, value]);
  }

  private closeTrailer(): void {
    const signatureLine = this.trailerLines.find(([name]) => name === 'x-amz-trailer-signature');
    const headers = this.trailerLines.filter(([name]) => name !== 'x-amz-trailer-signature');
    const signing = this.options.signing;
    if (signing) {
      const text = headers.map(([name, value]) => `${name}:${value}\n`).join('');
      const expected = trailerSignature(signing.key, signing.amzDate, signing.scope, this.previousSignature, text);
      if (!signatureLine || !signaturesEqual(expected, signatureLine[1])) {
        throw new S3Error('SignatureDoesNotMatch', 'The signature of the trailing headers does not match.');
      }
    } else if (signatureLine) {
      throw malformed('an unsigned body carries a trailer signature');
    }
    for (const [name, value] of headers) this.options.trailers.set(name, value);
  }
}

function malformed(reason: string): S3Error {
  return new S3Error('InvalidRequest', `The aws-chunked request body is malformed: ${reason}.`);
}
