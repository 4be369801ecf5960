/**
 * Earlier versions of datalayer ran s3rver, which kept each bucket as a directory of the data
 * directory and each object at its key's path: `<bucket>/<key>._S3rver_object`, with
 * `._S3rver_metadata.json` (content headers, x-amz-meta-*) and `._S3rver_object.md5` beside it,
 * and the bucket's CORS rules in `<bucket>/._S3rver_cors.xml`. On start, such buckets are copied
 * into this server's layout, then moved whole under `_s3rver-imported/` (kept, never deleted), so
 * an upgrade loses no attachment. The walk reads only real directories and files (no symbolic
 * links) below the data directory, and every key found is validated like a key sent over HTTP.
 */
import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { parseCorsConfiguration } from './cors-rules.js';
import { S3Error } from './errors.js';
import { assertObjectKey, isValidBucketName } from './names.js';
import type { ObjectStore } from './object-store.js';

const OBJECT_SUFFIX = '._S3rver_object';
const IMPORTED = '_s3rver-imported';
/** Directories of this server's own layout, never a legacy bucket. */
const OWN_DIRECTORIES = new Set(['buckets', 'tmp']);
const CONTENT_HEADERS: Record<string, string> = {
  'content-type': 'Content-Type',
  'content-encoding': 'Content-Encoding',
  'content-disposition': 'Content-Disposition',
  'content-language': 'Content-Language',
  'cache-control': 'Cache-Control',
  expires: 'Expires',
};

export async function importLegacyBuckets(store: ObjectStore, log: (line: string) => void): Promise<void> {
  for (const entry of await readdir(store.root, { withFileTypes: true })) {
    if (!entry.isDirectory() || OWN_DIRECTORIES.has(entry.name) || entry.name === IMPORTED) continue;
    if (!isValidBucketName(entry.name)) {
      log(`not importing ${JSON.stringify(entry.name)}: not a valid bucket name`);
      continue;
    }
    const count = await importBucket(store, entry.name, log);
    await mkdir(path.join(store.root, IMPORTED), { recursive: true, mode: 0o700 });
    await rename(path.join(store.root, entry.name), path.join(store.root, IMPORTED, entry.name));
    log(`imported bucket ${entry.name} (${count} objects) from the previous server's layout; the originals are in ${IMPORTED}/${entry.name}`);
  }
}

async function importBucket(store: ObjectStore, bucket: string, log: (line: string) => void): Promise<number> {
  const legacyDir = path.join(store.root, bucket);
  await store.createBucket(bucket, '');
  const cors = await readOptional(path.join(legacyDir, '._S3rver_cors.xml'));
  if (cors) {
    const record = await store.requireBucket(bucket);
    await store.writeBucket({ ...record, cors: parseCorsConfiguration(cors) });
  }
  let count = 0;
  for (const file of await objectFiles(legacyDir, '')) {
    const key = file.slice(0, -OBJECT_SUFFIX.length);
    try {
      assertObjectKey(key);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      log(`not importing an object of ${bucket}: ${error.message}`);
      continue;
    }
    await importObject(store, bucket, key, path.join(legacyDir, file));
    count += 1;
  }
  return count;
}

/** Paths (relative, with `/`) of the object files below `directory`. */
async function objectFiles(root: string, relative: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== '._S3rver_uploads') found.push(...(await objectFiles(root, child)));
    else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) found.push(child);
  }
  return found;
}

async function importObject(store: ObjectStore, bucket: string, key: string, objectFile: string): Promise<void> {
  const base = objectFile.slice(0, -OBJECT_SUFFIX.length);
  const stored = JSON.parse((await readOptional(`${base}._S3rver_metadata.json`))?.toString('utf8') ?? '{}') as Record<string, string>;
  const headers: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (typeof value !== 'string') continue;
    const header = CONTENT_HEADERS[name.toLowerCase()];
    if (header) headers[header] = value;
    else if (name.toLowerCase().startsWith('x-amz-meta-')) metadata[name.toLowerCase().slice('x-amz-meta-'.length)] = value;
  }
  const copy = store.temporaryFile();
  await copyFile(objectFile, copy);
  const { size } = await lstat(copy);
  const md5 = (await readOptional(`${objectFile}.md5`))?.toString('utf8').trim() ?? '';
  const etag = /^[0-9a-f]{32}$/.test(md5) ? md5 : await md5Of(copy);
  await store.commitObject(bucket, { key, size, etag: `"${etag}"`, headers, metadata }, copy);
}

async function md5Of(file: string): Promise<string> {
  return createHash('md5').update(await readFile(file)).digest('hex');
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    const stats = await lstat(file);
    return stats.isFile() ? await readFile(file) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
