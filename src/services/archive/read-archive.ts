/**
 * Reads an archive front to back: the manifest first (so a reader can refuse before it has read
 * any data), then each entry as a stream, in the order the manifest lists them.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ConfigError, UsageError } from '../../support/errors.js';
import { MANIFEST_ENTRY, parseManifest, type Manifest } from './manifest.js';

const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

export interface ArchiveEntry {
  name: string;
  size: number;
  /** Read it to its end (or call `skip`) before asking for the next entry. */
  stream: Readable;
}

export interface OpenArchive {
  manifest: Manifest;
  /** The next entry, or undefined at the end. */
  next(): Promise<ArchiveEntry | undefined>;
  close(): void;
}

export async function openArchive(file: string, shown = file): Promise<OpenArchive> {
  try {
    await access(file);
  } catch (error) {
    throw new UsageError(`${shown} cannot be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`, {
      hint: 'Pass the path of a file written by `datalayer backup`.',
    });
  }
  const source = createReadStream(file);
  const gunzip = createGunzip();
  const extract = tar.extract();
  source.pipe(gunzip).pipe(extract);
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    extract.destroy(error);
  };
  source.on('error', fail);
  gunzip.on('error', (error) => fail(new ConfigError(`${shown} is not a datalayer archive (not gzip data, or cut short: ${error.message}).`, { hint: 'Pass a file written by `datalayer backup`.' })));
  const iterator = extract[Symbol.asyncIterator]();
  const close = () => {
    source.destroy();
    extract.destroy();
  };
  const next = async (): Promise<ArchiveEntry | undefined> => {
    let step;
    try {
      step = await iterator.next();
    } catch (error) {
      throw failure ?? archiveError(shown, error);
    }
    if (step.done) {
      if (failure) throw failure;
      return undefined;
    }
    const entry = step.value;
    return { name: entry.header.name, size: entry.header.size ?? 0, stream: Readable.from(entry) };
  };
  const first = await next();
  if (!first || first.name !== MANIFEST_ENTRY || first.size > MAX_MANIFEST_BYTES) {
    close();
    throw new ConfigError(`${shown} is not a datalayer archive: it does not begin with its manifest.`, { hint: 'Pass a file written by `datalayer backup`.' });
  }
  const manifest = parseManifest(await readAll(first.stream), shown);
  return { manifest, next, close };
}

/** Only the manifest, for a quick look (`status`, the checks before a restore). */
export async function readArchiveManifest(file: string, shown = file): Promise<Manifest> {
  const archive = await openArchive(file, shown);
  archive.close();
  return archive.manifest;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function archiveError(shown: string, error: unknown): ConfigError {
  return new ConfigError(`${shown} is damaged: ${error instanceof Error ? error.message : String(error)}.`, {
    hint: 'Pass a complete file written by `datalayer backup`.',
    cause: error,
  });
}
