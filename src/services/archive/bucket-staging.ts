/**
 * Objects between a bucket and an archive: read from the bucket into staging (with their content
 * headers, metadata and checksums), and read back out of an archive entry into staging, checked
 * against the manifest, ready to be uploaded.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from '../../support/errors.js';
import type { S3Objects, UploadSource } from '../s3/objects.js';
import type { BucketSection, ObjectEntry } from './manifest.js';
import type { ArchiveEntry } from './read-archive.js';
import type { Staging } from './staging.js';
import { BoundedTasks } from '../../support/bounded-tasks.js';

/** Objects read or written at once. */
export const TRANSFERS_AT_ONCE = 4;

export interface TransferProgress {
  objects: number;
  bytes: number;
  totalObjects: number;
  totalBytes: number;
}

export interface StageBucketOptions {
  signal?: AbortSignal;
  /** Numbers the staged files across buckets: `objects/000000`, ... */
  counter: { next: number };
  onProgress?: (progress: TransferProgress) => void;
  /** An object listed, then deleted before it could be read. */
  onGone?: (key: string) => void;
}

/** Reads every object of the bucket into staging; the section lists what was read. */
export async function stageBucket(objects: S3Objects, bucket: string, staging: Staging, options: StageBucketOptions): Promise<BucketSection> {
  const listed = await objects.list(bucket);
  const totalBytes = listed.reduce((sum, object) => sum + object.size, 0);
  // A few objects at a time: each is a round trip, and most attachments are small.
  const tasks = new BoundedTasks(TRANSFERS_AT_ONCE);
  const read: Array<ObjectEntry | undefined> = [];
  let bytes = 0;
  let done = 0;
  for (const [index, object] of listed.entries()) {
    if (options.signal?.aborted) throw options.signal.reason;
    const file = `objects/${String(options.counter.next++).padStart(6, '0')}`;
    await tasks.add(async () => {
      const got = await objects.download(bucket, object.key, await staging.writer(file));
      if (!got) {
        options.onGone?.(object.key);
        return;
      }
      read[index] = { key: object.key, file, size: got.size, sha256: got.sha256, headers: got.headers, metadata: got.metadata };
      bytes += got.size;
      options.onProgress?.({ objects: ++done, bytes, totalObjects: listed.length, totalBytes });
    });
  }
  await tasks.settle();
  const entries = read.filter((entry): entry is ObjectEntry => entry !== undefined);
  return { name: bucket, objects: entries };
}

/**
 * Copies an archive entry into staging, hashing it; refuses an entry whose size or SHA-256
 * differs from the manifest's (a damaged archive must not reach the bucket).
 */
export async function stageEntry(entry: ArchiveEntry, object: ObjectEntry, staging: Staging, file: string): Promise<UploadSource> {
  if (entry.name !== object.file) {
    throw new ConfigError(`The archive is damaged: expected ${object.file} (object "${object.key}"), found ${entry.name}.`);
  }
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(entry.stream, hashing, await staging.writer(file));
  const digest = sha256.digest('hex');
  if (size !== object.size || digest !== object.sha256) {
    throw new ConfigError(`The archive is damaged: object "${object.key}" does not match its checksum in the manifest.`, {
      hint: 'Use another copy of the backup.',
    });
  }
  return { open: () => staging.reader(file), size, sha256: digest, md5: md5.digest('hex') };
}
