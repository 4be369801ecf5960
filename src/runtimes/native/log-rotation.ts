import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/**
 * The native servers write their logs through a descriptor opened in append mode, which they keep
 * for their whole life: the file cannot be renamed under them. Rotation is therefore copy-then-
 * truncate (logrotate's `copytruncate`): the newest part is copied to `<log>.1` (older ones shift
 * to `.2`, `.3`; the oldest goes), then the log is truncated, and the servers' next appends land
 * at its new start. Lines written between the copy and the truncation (a few milliseconds) are
 * lost; that is the price of not restarting a server to rotate its log.
 */
export interface RotationPolicy {
  /** A log larger than this is rotated. */
  maxBytes: number;
  /** How many rotated files are kept beside it. */
  keep: number;
}

export const DEFAULT_ROTATION: RotationPolicy = { maxBytes: 10 * 1024 * 1024, keep: 3 };

/** `<log>.1` (newest) to `<log>.<keep>`, then the log itself: the order they were written in is the reverse. */
export function rotatedFiles(file: string, keep: number = DEFAULT_ROTATION.keep): string[] {
  return Array.from({ length: keep }, (_, index) => `${file}.${index + 1}`);
}

/** Rotates `file` when it is over the limit; returns whether it did. A missing file is fine. */
export async function rotateLog(file: string, policy: RotationPolicy = DEFAULT_ROTATION): Promise<boolean> {
  const size = await sizeOf(file);
  if (size === undefined || size <= policy.maxBytes) return false;
  const older = rotatedFiles(file, policy.keep);
  await rm(older.at(-1) ?? `${file}.1`, { force: true });
  for (let index = older.length - 1; index > 0; index--) await renameIfPresent(older[index - 1]!, older[index]!);
  // A log far over the limit (nobody ran datalayer for a long time) keeps only its newest part.
  const start = await lineStartAtOrAfter(file, Math.max(0, size - policy.maxBytes), size);
  await pipeline(createReadStream(file, { start, end: size - 1 }), createWriteStream(`${file}.1`, { mode: 0o600 }));
  await truncate(file, 0);
  return true;
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The offset of the first whole line at or after `offset`, or `offset` itself when no line starts
 * between it and the end (a single line longer than the limit keeps its tail).
 */
async function lineStartAtOrAfter(file: string, offset: number, size: number): Promise<number> {
  if (offset === 0) return 0;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = offset - 1; position < size - 1; position += buffer.length) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - 1 - position), position);
      if (bytesRead === 0) break;
      const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
      if (newline >= 0) return position + newline + 1;
    }
    return offset;
  } finally {
    await handle.close();
  }
}
