/**
 * Writes an archive: a gzip'd tar whose first entry is the manifest, then every staged entry in
 * manifest order. The file appears under its name only once it is complete and on disk: it is
 * written under a temporary name beside the target, flushed, then renamed over it, so an
 * interruption (Ctrl-C, SIGKILL, a full disk) leaves the previous file, or none, never half of one.
 */
import { createWriteStream } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { isProcessAlive } from '../../process/process-alive.js';
import { MANIFEST_ENTRY, type Manifest } from './manifest.js';
import type { Staging } from './staging.js';

export interface WriteArchiveOptions {
  signal?: AbortSignal;
  /** After each entry: bytes of staged data packed so far. */
  onEntry?: (packedBytes: number) => void;
}

/** Every entry after the manifest, in the order a reader meets them. */
export function entriesOf(manifest: Manifest): Array<{ file: string; size: number }> {
  const tables = (manifest.database?.tables ?? []).map((table) => ({ file: table.file, size: table.bytes }));
  const objects = manifest.buckets.flatMap((bucket) => bucket.objects.map((object) => ({ file: object.file, size: object.size })));
  return [...tables, ...objects];
}

/** Writes `target` atomically; returns its size in bytes. */
export async function writeArchive(target: string, manifest: Manifest, staging: Staging, options: WriteArchiveOptions = {}): Promise<number> {
  const directory = path.dirname(target);
  await removeAbandonedPartials(directory, path.basename(target));
  const temporary = partialName(target, process.pid);
  try {
    const pack = tar.pack();
    const output = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
    const written = pipeline(pack, createGzip(), output, options.signal ? { signal: options.signal } : {});
    // The packing loop and the pipeline fail together: whichever fails first ends both.
    await Promise.all([written, packEntries(pack, manifest, staging, options)]).catch((error: unknown) => {
      pack.destroy(error as Error);
      throw error;
    });
    const size = await syncFile(temporary);
    await rename(temporary, target);
    await syncDirectory(directory);
    return size;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** fsync, so that the rename never publishes a file whose blocks are not on disk yet; returns its size. */
async function syncFile(file: string): Promise<number> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

async function packEntries(pack: tar.Pack, manifest: Manifest, staging: Staging, options: WriteArchiveOptions): Promise<void> {
  const manifestText = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
  await addEntry(pack, { name: MANIFEST_ENTRY, size: manifestText.length }, async (sink) => {
    sink.end(manifestText);
  });
  let packed = 0;
  for (const entry of entriesOf(manifest)) {
    if (options.signal?.aborted) throw options.signal.reason;
    await addEntry(pack, { name: entry.file, size: entry.size }, (sink) => copyInto(staging.reader(entry.file), sink));
    packed += entry.size;
    options.onEntry?.(packed);
  }
  pack.finalize();
}

type Sink = ReturnType<tar.Pack['entry']>;

function addEntry(pack: tar.Pack, header: { name: string; size: number }, fill: (sink: Sink) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...header, mode: 0o600, mtime: new Date(0) }, (error) => (error ? reject(error) : resolve()));
    fill(sink).catch(reject);
  });
}

/** tar-stream's entries are streamx streams: fed by hand, waiting for 'drain' when they are full. */
async function copyInto(source: Readable, sink: Sink): Promise<void> {
  for await (const chunk of source) {
    if (!sink.write(chunk as Buffer)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
  }
  sink.end(undefined);
}

function partialName(target: string, pid: number): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.partial-${pid}`);
}

/** Partial files of writers that were killed: their pid is gone. */
async function removeAbandonedPartials(directory: string, base: string): Promise<void> {
  const prefix = `.${base}.partial-`;
  for (const name of await readdir(directory)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid)) await rm(path.join(directory, name), { force: true });
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is done either way.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
