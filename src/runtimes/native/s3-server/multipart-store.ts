/**
 * Multipart uploads in progress, under buckets/<bucket>/uploads/<upload id>/: upload.json (key,
 * content headers, metadata), and per part <n>.json plus its data file. Upload ids are ours
 * (random hex) and checked to be that before they name a directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { S3Error } from './errors.js';
import type { ObjectFields } from './object-fields.js';
import { readJson, unlinkIfPresent, type ObjectRecord, type ObjectStore } from './object-store.js';

export interface UploadRecord extends ObjectFields {
  key: string;
  initiated: string;
}

export interface PartRecord {
  partNumber: number;
  /** Quoted. */
  etag: string;
  size: number;
  lastModified: string;
  dataFile: string;
}

export interface RequestedPart {
  partNumber: number;
  etag: string;
}

/** Every part but the last must be at least this big (S3's rule). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const UPLOAD_ID = /^[0-9a-f]{32}$/;

export class MultipartStore {
  constructor(private readonly store: ObjectStore) {}

  async create(bucket: string, key: string, fields: ObjectFields): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    const directory = this.uploadPath(bucket, uploadId);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const record: UploadRecord = { key, initiated: new Date().toISOString(), ...fields };
    await this.store.writeJson(path.join(directory, 'upload.json'), record);
    return uploadId;
  }

  /** The upload, which must be for `key`; NoSuchUpload otherwise. */
  async read(bucket: string, uploadId: string, key: string): Promise<UploadRecord> {
    const record = UPLOAD_ID.test(uploadId) ? await readJson<UploadRecord>(path.join(this.uploadPath(bucket, uploadId), 'upload.json')) : undefined;
    if (!record || record.key !== key) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId.slice(0, 64) });
    }
    return record;
  }

  async putPart(bucket: string, uploadId: string, part: Omit<PartRecord, 'dataFile' | 'lastModified'>, bodyFile: string): Promise<void> {
    const directory = this.uploadPath(bucket, uploadId);
    const dataFile = `${part.partNumber}.${randomBytes(6).toString('hex')}.part`;
    const recordFile = path.join(directory, `${part.partNumber}.json`);
    const previous = await readJson<PartRecord>(recordFile);
    await rename(bodyFile, path.join(directory, dataFile));
    await this.store.writeJson(recordFile, { ...part, dataFile, lastModified: new Date().toISOString() } satisfies PartRecord);
    if (previous) await unlinkIfPresent(path.join(directory, previous.dataFile));
  }

  async listParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    const directory = this.uploadPath(bucket, uploadId);
    const files = (await readdir(directory)).filter((file) => /^\d+\.json$/.test(file));
    const parts = await Promise.all(files.map((file) => readJson<PartRecord>(path.join(directory, file))));
    return parts.filter((part): part is PartRecord => part !== undefined).sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Joins the named parts into the object (after S3's checks), then forgets the upload. */
  async complete(bucket: string, uploadId: string, upload: UploadRecord, requested: readonly RequestedPart[]): Promise<ObjectRecord> {
    const stored = new Map((await this.listParts(bucket, uploadId)).map((part) => [part.partNumber, part]));
    const chosen = checkRequestedParts(requested, stored);
    const directory = this.uploadPath(bucket, uploadId);
    const file = this.store.temporaryFile();
    const output = await open(file, 'wx', 0o600);
    const etags = createHash('md5');
    let size = 0;
    try {
      for (const part of chosen) {
        for await (const data of createReadStream(path.join(directory, part.dataFile))) await output.write(data as Buffer);
        etags.update(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
        size += part.size;
      }
      await output.close();
    } catch (error) {
      await output.close();
      await unlinkIfPresent(file);
      throw error;
    }
    const etag = `"${etags.digest('hex')}-${chosen.length}"`;
    const record = await this.store.commitObject(bucket, { key: upload.key, size, etag, headers: upload.headers, metadata: upload.metadata }, file);
    await rm(directory, { recursive: true, force: true });
    return record;
  }

  async abort(bucket: string, uploadId: string): Promise<void> {
    await rm(this.uploadPath(bucket, uploadId), { recursive: true, force: true });
  }

  private uploadPath(bucket: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    return path.join(this.store.bucketPath(bucket), 'uploads', uploadId);
  }
}

function checkRequestedParts(requested: readonly RequestedPart[], stored: Map<number, PartRecord>): PartRecord[] {
  if (requested.length === 0) throw new S3Error('MalformedXML', 'You must specify at least one part.');
  const chosen: PartRecord[] = [];
  let previous = 0;
  for (const [index, wanted] of requested.entries()) {
    if (wanted.partNumber <= previous) throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    previous = wanted.partNumber;
    const part = stored.get(wanted.partNumber);
    if (!part || normaliseEtag(part.etag) !== normaliseEtag(wanted.etag)) {
      throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
    }
    if (index < requested.length - 1 && part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
    chosen.push(part);
  }
  return chosen;
}

function normaliseEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toLowerCase();
}
