/**
 * The copy `down` keeps of an S3 emulator that holds objects only in memory (LocalStack), in
 * `.datalayer/saved-objects.tar.gz`: the archive format of `backup`, objects only, every bucket,
 * with content headers, metadata and CORS rules. `up` puts back what the running S3 lacks.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { S3Client, type S3Settings } from '../s3/client.js';
import { S3Objects } from '../s3/objects.js';
import { stageBucket, stageEntry, TRANSFERS_AT_ONCE, type TransferProgress } from '../archive/bucket-staging.js';
import { BoundedTasks } from '../../support/bounded-tasks.js';
import { newManifest, type BucketSection, type ManifestSource } from '../archive/manifest.js';
import { openArchive, readArchiveManifest, type OpenArchive } from '../archive/read-archive.js';
import { Staging } from '../archive/staging.js';
import { writeArchive } from '../archive/write-archive.js';
import { COPY_FILE, INSTANCE_FILE, readInstance, savedCopyPath } from './copy-file.js';

/** Which S3 instance received the copy last (`up`): only that instance's content may replace it. */

export interface SaveOptions {
  stateDir: string;
  settings: S3Settings;
  /** The running S3's identity (container id and start time); undefined when unknown. */
  instance: string | undefined;
  source: ManifestSource;
  datalayerVersion: string;
  signal?: AbortSignal;
  onProgress?: (bucket: string, progress: TransferProgress) => void;
}

export interface SaveSummary {
  buckets: number;
  objects: number;
  bytes: number;
  /** Objects of the previous copy that the running S3 no longer had, kept (it was restarted behind datalayer's back). */
  kept: number;
}

export async function saveObjects(options: SaveOptions): Promise<SaveSummary> {
  const staging = await Staging.create(path.join(options.stateDir, 'tmp'));
  try {
    const objects = new S3Objects(options.settings, options.signal);
    const client = new S3Client(options.settings, { signal: options.signal });
    const counter = { next: 0 };
    const buckets: BucketSection[] = [];
    for (const name of await objects.listBuckets()) {
      const section = await stageBucket(objects, name, staging, { signal: options.signal, counter, onProgress: (p) => options.onProgress?.(name, p) });
      const cors = await client.getBucketCors(name);
      buckets.push(cors.length > 0 ? { ...section, cors } : section);
    }
    // The copy may only shrink when the S3 that lost objects is the one `up` filled: otherwise the
    // objects it lacks were never in it (restarted behind datalayer's back) rather than deleted.
    const authoritative = options.instance !== undefined && options.instance === (await readInstance(options.stateDir));
    const kept = authoritative ? 0 : await keepPreviousObjects(options.stateDir, buckets, staging, counter);
    const manifest = newManifest({
      kind: 'saved-objects',
      datalayerVersion: options.datalayerVersion,
      source: options.source,
      database: null,
      buckets,
    });
    await writeArchive(savedCopyPath(options.stateDir), manifest, staging, options.signal ? { signal: options.signal } : {});
    await rm(path.join(options.stateDir, INSTANCE_FILE), { force: true });
    const all = buckets.flatMap((bucket) => bucket.objects);
    return { buckets: buckets.length, objects: all.length, bytes: all.reduce((sum, o) => sum + o.size, 0), kept };
  } finally {
    await staging.remove();
  }
}

/** Adds to `buckets` the objects of the previous copy they lack, read from that copy. */
async function keepPreviousObjects(stateDir: string, buckets: BucketSection[], staging: Staging, counter: { next: number }): Promise<number> {
  const previous = await openSavedCopy(stateDir);
  if (!previous) return 0;
  let kept = 0;
  try {
    for (const old of previous.manifest.buckets) {
      let section = buckets.find((bucket) => bucket.name === old.name);
      if (!section) {
        section = { name: old.name, objects: [], ...(old.cors ? { cors: old.cors } : {}) };
        buckets.push(section);
      }
      const present = new Set(section.objects.map((object) => object.key));
      for (const object of old.objects) {
        const entry = await previous.next();
        if (!entry) throw new Error(`${savedCopyPath(stateDir)} ends before object "${object.key}"`);
        if (present.has(object.key)) {
          await drain(entry.stream);
          continue;
        }
        const file = `objects/${String(counter.next++).padStart(6, '0')}`;
        await stageEntry(entry, object, staging, file);
        section.objects.push({ ...object, file });
        kept++;
      }
    }
  } finally {
    previous.close();
  }
  return kept;
}

export interface PutBackOptions {
  stateDir: string;
  settings: S3Settings;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Puts back every saved object the running S3 lacks (buckets created as needed); returns how many. */
export async function putBackMissing(options: PutBackOptions): Promise<{ restored: number; bytes: number; saved: number }> {
  const archive = await openSavedCopy(options.stateDir);
  if (!archive) return { restored: 0, bytes: 0, saved: 0 };
  const staging = await Staging.create(path.join(options.stateDir, 'tmp'));
  const objects = new S3Objects(options.settings, options.signal);
  const client = new S3Client(options.settings, { signal: options.signal });
  let restored = 0;
  let staged = 0;
  let bytes = 0;
  try {
    const sections = archive.manifest.buckets;
    const missing = await missingBySection(client, objects, sections, options.settings.region);
    const total = missing.reduce((sum, keys) => sum + keys.size, 0);
    const tasks = new BoundedTasks(TRANSFERS_AT_ONCE);
    for (const [index, section] of sections.entries()) {
      for (const object of section.objects) {
        const entry = await archive.next();
        if (!entry) throw new Error(`${savedCopyPath(options.stateDir)} ends before object "${object.key}"`);
        if (!missing[index]?.has(object.key)) {
          await drain(entry.stream);
          continue;
        }
        const source = await stageEntry(entry, object, staging, `put-back/${staged++}`);
        await tasks.add(async () => {
          await objects.upload(section.name, object.key, source, object);
          restored++;
          bytes += object.size;
          options.onProgress?.(restored, total);
        });
      }
    }
    await tasks.settle();
    return { restored, bytes, saved: sections.reduce((sum, section) => sum + section.objects.length, 0) };
  } finally {
    archive.close();
    await staging.remove();
  }
}

/** For each saved bucket, the keys the running S3 lacks; a missing bucket is created (with its CORS rules). */
async function missingBySection(client: S3Client, objects: S3Objects, sections: BucketSection[], region: string): Promise<Array<Set<string>>> {
  const missing: Array<Set<string>> = [];
  for (const section of sections) {
    if (!(await client.bucketExists(section.name))) {
      await client.createBucket(section.name, region);
      if (section.cors) await client.putBucketCors(section.name, section.cors);
    }
    const present = new Set((await objects.list(section.name)).map((object) => object.key));
    missing.push(new Set(section.objects.map((object) => object.key).filter((key) => !present.has(key))));
  }
  return missing;
}

/** Saved objects the running S3 lacks, by bucket, for `status` (nothing is written). */
export async function missingFromRunning(
  stateDir: string,
  settings: S3Settings,
): Promise<{ saved: number; missing: Array<{ bucket: string; key: string }>; savedKeys: Map<string, Set<string>> } | undefined> {
  if (!existsSync(savedCopyPath(stateDir))) return undefined;
  const manifest = await readArchiveManifest(savedCopyPath(stateDir));
  const objects = new S3Objects(settings);
  const missing: Array<{ bucket: string; key: string }> = [];
  for (const section of manifest.buckets) {
    const client = new S3Client(settings, { requestTimeoutMs: 1_500 });
    const present = (await client.bucketExists(section.name)) ? new Set((await objects.list(section.name)).map((object) => object.key)) : new Set<string>();
    for (const object of section.objects) if (!present.has(object.key)) missing.push({ bucket: section.name, key: object.key });
  }
  const savedKeys = new Map(manifest.buckets.map((section) => [section.name, new Set(section.objects.map((object) => object.key))]));
  return { saved: manifest.buckets.reduce((sum, section) => sum + section.objects.length, 0), missing, savedKeys };
}


/** The saved copy and the record of who received it, for `down --volumes`. */
export async function removeSavedCopy(stateDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of [COPY_FILE, INSTANCE_FILE]) {
    const file = path.join(stateDir, name);
    try {
      await rm(file);
      removed.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

async function openSavedCopy(stateDir: string): Promise<OpenArchive | undefined> {
  return existsSync(savedCopyPath(stateDir)) ? openArchive(savedCopyPath(stateDir)) : undefined;
}

async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const chunk of stream) void chunk;
}
