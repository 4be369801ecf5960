/**
 * Writes an archive's objects into a bucket so that the write can be undone: every key created is
 * remembered, and an object about to be overwritten (only with --replace) is first read into
 * staging. `undo` deletes what was created and puts back what was overwritten; what it cannot undo
 * it names, key by key.
 */
import { Writable } from 'node:stream';
import { ConfigError } from '../../support/errors.js';
import type { ListedObject, ObjectFields, S3Objects, UploadSource } from '../s3/objects.js';
import { stageEntry, type TransferProgress } from './bucket-staging.js';
import type { BucketSection, ObjectEntry } from './manifest.js';
import type { ArchiveEntry } from './read-archive.js';
import type { Staging } from './staging.js';

interface PreviousVersion {
  key: string;
  source: UploadSource;
  fields: ObjectFields;
}

export class BucketRestore {
  private readonly created: string[] = [];
  private readonly previous: PreviousVersion[] = [];
  private readonly md5OfKey = new Map<string, string>();
  private written = { objects: 0, bytes: 0 };
  private counter = 0;

  private constructor(
    private readonly objects: S3Objects,
    /** Without the command's abort signal: an interrupted restore must still be undone. */
    private readonly undoObjects: S3Objects,
    readonly bucket: string,
    private readonly staging: Staging,
    /** What the bucket held before anything was written. */
    readonly existing: Map<string, ListedObject>,
  ) {}

  static async begin(objects: { main: S3Objects; undo: S3Objects }, bucket: string, staging: Staging): Promise<BucketRestore> {
    const listed = await objects.main.list(bucket);
    return new BucketRestore(objects.main, objects.undo, bucket, staging, new Map(listed.map((object) => [object.key, object])));
  }

  /**
   * Stages the entry (checked against the manifest; entries are read in order), and returns the
   * upload, which may run beside others: it keeps the version it replaces, then writes the object.
   */
  async stage(entry: ArchiveEntry, object: ObjectEntry, totals: Omit<TransferProgress, 'objects' | 'bytes'>, onProgress?: (progress: TransferProgress) => void): Promise<() => Promise<void>> {
    const number = this.counter++;
    const source = await stageEntry(entry, object, this.staging, `restore/${number}`);
    return async () => {
      await this.keepPrevious(object.key, number);
      await this.objects.upload(this.bucket, object.key, source, { headers: object.headers, metadata: object.metadata });
      this.md5OfKey.set(object.key, source.md5);
      this.written = { objects: this.written.objects + 1, bytes: this.written.bytes + source.size };
      onProgress?.({ ...this.written, ...totals });
    };
  }

  private async keepPrevious(key: string, number: number): Promise<void> {
    if (!this.existing.has(key)) {
      // Remembered before the upload: an upload cut short may still have created the key.
      this.created.push(key);
      return;
    }
    const kept = `undo/${number}`;
    const read = await this.objects.download(this.bucket, key, await this.staging.writer(kept));
    if (read) this.previous.push({ key, fields: read, source: { open: () => this.staging.reader(kept), size: read.size, sha256: read.sha256, md5: read.md5 } });
    else this.created.push(key);
  }

  /** Deletes keys once the restore is committed (the ones only the target had, with --replace). */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    await this.undoObjects.delete(this.bucket, keys);
  }

  /** Keys the bucket held before that the archive does not have (deleted last, with --replace). */
  extraKeys(section: BucketSection): string[] {
    const archived = new Set(section.objects.map((object) => object.key));
    return [...this.existing.keys()].filter((key) => !archived.has(key));
  }

  /**
   * Every object of the section is in the bucket with its size and checksum: the ETag where it is
   * the MD5 of the bytes (single-part uploads), else the object read back and hashed.
   */
  async verify(section: BucketSection): Promise<void> {
    const listed = new Map((await this.objects.list(this.bucket)).map((object) => [object.key, object]));
    const wrong: string[] = [];
    for (const object of section.objects) {
      const found = listed.get(object.key);
      if (!found || found.size !== object.size) wrong.push(object.key);
      else if (/^[0-9a-f]{32}$/.test(found.etag)) {
        if (found.etag !== this.md5OfKey.get(object.key)) wrong.push(object.key);
      } else if ((await this.objects.download(this.bucket, object.key, discard()))?.sha256 !== object.sha256) wrong.push(object.key);
    }
    if (wrong.length > 0) {
      throw new ConfigError(`${wrong.length} object(s) did not come back identical in bucket "${this.bucket}": ${wrong.slice(0, 5).join(', ')}${wrong.length > 5 ? ', ...' : ''}.`, {
        hint: 'Something else writes to this bucket, or the S3 server changed the objects; stop the app and restore again.',
        data: { bucket: this.bucket, objects: wrong },
      });
    }
  }

  /** Deletes what was created, puts back what was overwritten; returns each key it could not, and why. */
  async undo(): Promise<Array<{ key: string; reason: string }>> {
    const left: Array<{ key: string; reason: string }> = [];
    try {
      await this.undoObjects.delete(this.bucket, this.created);
    } catch (error) {
      left.push(...this.created.map((key) => ({ key, reason: `not deleted: ${messageOf(error)}` })));
    }
    for (const version of this.previous) {
      try {
        await this.undoObjects.upload(this.bucket, version.key, version.source, version.fields);
      } catch (error) {
        left.push({ key: version.key, reason: `previous version not put back: ${messageOf(error)}` });
      }
    }
    return left;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A sink that only counts: reading an object back to hash it. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
