/**
 * Where the parts of an archive wait before it is written: the manifest goes first in the archive
 * but holds the checksums of everything after it, so tables and objects are read once, into here,
 * hashed on the way, and then packed behind their manifest.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isProcessAlive } from '../../process/process-alive.js';

const PREFIX = 'staging-';

export class Staging {
  private constructor(readonly directory: string) {}

  /** A private directory under `parent` (the project's `.datalayer/tmp`), named after this process. */
  static async create(parent: string): Promise<Staging> {
    await mkdir(parent, { recursive: true, mode: 0o700 });
    await removeAbandoned(parent);
    return new Staging(await mkdtemp(path.join(parent, `${PREFIX}${process.pid}-`)));
  }

  /** The staged file of an archive entry (`tables/003.copy`, `objects/000012`). */
  pathOf(entry: string): string {
    return path.join(this.directory, entry);
  }

  async writer(entry: string): Promise<WriteStream> {
    const file = this.pathOf(entry);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    return createWriteStream(file, { mode: 0o600 });
  }

  reader(entry: string): Readable {
    return createReadStream(this.pathOf(entry));
  }

  /** Removes the staged files, and the parent too once no other staging is in it. */
  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
    try {
      await rmdir(path.dirname(this.directory));
    } catch (error) {
      // Another datalayer's staging is still in it (or it is gone already): leave it.
      if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
}

/** Staging left by a datalayer that was killed (SIGKILL, power loss): its pid is gone. */
async function removeAbandoned(parent: string): Promise<void> {
  for (const name of await readdir(parent)) {
    const pid = Number(/^staging-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}
