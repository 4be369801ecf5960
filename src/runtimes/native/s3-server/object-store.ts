/**
 * The server's files, all under its data directory:
 *
 *   buckets/<bucket>/bucket.json                    creation date, region, CORS rules
 *   buckets/<bucket>/objects/<sha256(key)>.json      the object's key, size, ETag, headers, metadata
 *   buckets/<bucket>/objects/<sha256(key)>.<id>.data its bytes
 *   buckets/<bucket>/uploads/<upload id>/...         multipart uploads in progress
 *   tmp/                                             bodies being received
 *
 * An upload is written to tmp/ and only becomes the object when its metadata file is renamed into
 * place (after every check passed); readers hold the data file open, so a replaced object is never
 * read half old, half new. Only this process writes here, so a per-bucket index in memory is safe.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ChecksumAlgorithm } from './checksums.js';
import type { CorsRule } from './cors-rules.js';
import { S3Error } from './errors.js';
import { assertBucketName, compareKeys, isValidBucketName, storedName } from './names.js';

export interface BucketRecord {
  name: string;
  createdAt: string;
  /** The LocationConstraint it was created with ('' for us-east-1). */
  region: string;
  cors?: CorsRule[];
}

export interface ObjectRecord {
  key: string;
  size: number;
  /** Quoted, as in the ETag header. */
  etag: string;
  lastModified: string;
  /** Content-Type, Content-Encoding, Content-Disposition, Content-Language, Cache-Control, Expires. */
  headers: Record<string, string>;
  /** User metadata (x-amz-meta-*), names lower-case without the prefix. */
  metadata: Record<string, string>;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** The data file's name inside the bucket's objects/ directory. */
  dataFile: string;
}

export type NewObject = Omit<ObjectRecord, 'dataFile' | 'lastModified'>;

export class ObjectStore {
  readonly bucketsRoot: string;
  readonly tmpRoot: string;
  private readonly indexes = new Map<string, Map<string, ObjectRecord>>();
  private readonly keyLocks = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {
    this.bucketsRoot = path.join(root, 'buckets');
    this.tmpRoot = path.join(root, 'tmp');
  }

  /** Creates the layout and clears bodies a crash left half received. */
  async open(): Promise<void> {
    await mkdir(this.bucketsRoot, { recursive: true, mode: 0o700 });
    await rm(this.tmpRoot, { recursive: true, force: true });
    await mkdir(this.tmpRoot, { mode: 0o700 });
  }

  /** The bucket's directory; the name is validated first, and the result checked to be a child. */
  bucketPath(name: string): string {
    assertBucketName(name);
    const directory = path.join(this.bucketsRoot, name);
    if (path.dirname(directory) !== this.bucketsRoot) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.');
    return directory;
  }

  temporaryFile(): string {
    return path.join(this.tmpRoot, randomBytes(12).toString('hex'));
  }

  async readBucket(name: string): Promise<BucketRecord | undefined> {
    return readJson<BucketRecord>(path.join(this.bucketPath(name), 'bucket.json'));
  }

  async requireBucket(name: string): Promise<BucketRecord> {
    const bucket = await this.readBucket(name);
    if (!bucket) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
    return bucket;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const names = (await readdir(this.bucketsRoot)).filter(isValidBucketName).sort();
    const records = await Promise.all(names.map((name) => this.readBucket(name)));
    return records.filter((record): record is BucketRecord => record !== undefined);
  }

  async createBucket(name: string, region: string): Promise<'created' | 'exists'> {
    const directory = this.bucketPath(name);
    try {
      await mkdir(directory, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
    await mkdir(path.join(directory, 'objects'), { mode: 0o700 });
    await mkdir(path.join(directory, 'uploads'), { mode: 0o700 });
    await this.writeBucket({ name, createdAt: new Date().toISOString(), region });
    this.indexes.set(name, new Map());
    return 'created';
  }

  async writeBucket(record: BucketRecord): Promise<void> {
    await this.writeJson(path.join(this.bucketPath(record.name), 'bucket.json'), record);
  }

  async deleteBucket(name: string): Promise<void> {
    await this.requireBucket(name);
    if ((await this.index(name)).size > 0) {
      throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
    }
    this.indexes.delete(name);
    await rm(this.bucketPath(name), { recursive: true, force: true });
  }

  async readObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return readJson<ObjectRecord>(this.metadataPath(bucket, key));
  }

  /** The object and an open handle on its bytes (which a concurrent replacement cannot change). */
  async openObject(bucket: string, key: string): Promise<{ record: ObjectRecord; handle: FileHandle } | undefined> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const record = await this.readObject(bucket, key);
      if (!record) return undefined;
      try {
        return { record, handle: await open(path.join(this.objectsPath(bucket), record.dataFile), 'r') };
      } catch (error) {
        // Replaced between reading its record and opening its data: read the new record.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new S3Error('InternalError', 'The object kept changing while it was being read; try again.');
  }

  /** Makes a received body (a file in tmp/) the object's new version. */
  async commitObject(bucket: string, object: NewObject, bodyFile: string): Promise<ObjectRecord> {
    return this.withKeyLock(bucket, object.key, async () => {
      const objects = this.objectsPath(bucket);
      const dataFile = `${storedName(object.key)}.${randomBytes(6).toString('hex')}.data`;
      const previous = await this.readObject(bucket, object.key);
      await rename(bodyFile, path.join(objects, dataFile));
      const record: ObjectRecord = { ...object, lastModified: new Date().toISOString(), dataFile };
      await this.writeJson(this.metadataPath(bucket, object.key), record);
      if (previous && previous.dataFile !== dataFile) await unlinkIfPresent(path.join(objects, previous.dataFile));
      (await this.index(bucket)).set(object.key, record);
      return record;
    });
  }

  /** Whether there was an object to delete (S3 answers 204 either way). */
  async deleteObject(bucket: string, key: string): Promise<boolean> {
    return this.withKeyLock(bucket, key, async () => {
      const record = await this.readObject(bucket, key);
      if (!record) return false;
      await unlinkIfPresent(this.metadataPath(bucket, key));
      await unlinkIfPresent(path.join(this.objectsPath(bucket), record.dataFile));
      (await this.index(bucket)).delete(key);
      return true;
    });
  }

  /** Every object of the bucket, in S3's order (by the UTF-8 bytes of the key). */
  async listObjects(bucket: string): Promise<ObjectRecord[]> {
    const records = [...(await this.index(bucket)).values()];
    return records.sort((a, b) => compareKeys(a.key, b.key));
  }

  objectsPath(bucket: string): string {
    return path.join(this.bucketPath(bucket), 'objects');
  }

  private metadataPath(bucket: string, key: string): string {
    return path.join(this.objectsPath(bucket), `${storedName(key)}.json`);
  }

  private async index(bucket: string): Promise<Map<string, ObjectRecord>> {
    const known = this.indexes.get(bucket);
    if (known) return known;
    const index = new Map<string, ObjectRecord>();
    const files = (await readdir(this.objectsPath(bucket))).filter((file) => file.endsWith('.json'));
    for (const file of files) {
      const record = await readJson<ObjectRecord>(path.join(this.objectsPath(bucket), file));
      if (record) index.set(record.key, record);
    }
    this.indexes.set(bucket, index);
    return index;
  }

  async writeJson(file: string, value: unknown): Promise<void> {
    const temporary = this.temporaryFile();
    await writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
    await rename(temporary, file);
  }

  private async withKeyLock<T>(bucket: string, key: string, action: () => Promise<T>): Promise<T> {
    const lockName = `${bucket}/${key}`;
    const previous = this.keyLocks.get(lockName) ?? Promise.resolve();
    const run = previous.then(action, action);
    const settled = run.then(() => undefined, () => undefined);
    this.keyLocks.set(lockName, settled);
    try {
      return await run;
    } finally {
      if (this.keyLocks.get(lockName) === settled) this.keyLocks.delete(lockName);
    }
  }
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

export async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
