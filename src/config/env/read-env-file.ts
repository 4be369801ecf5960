/** Reads and parses the host's `.env`, refusing what would be slow or unsafe to edit. */
import type { FileHandle } from 'node:fs/promises';
import { ConfigError } from '../../support/errors.js';
import { openRegularFile } from '../../support/regular-file.js';
import { parseEnvDocument, type EnvDocument } from './parse.js';

/** A real `.env` is a few kilobytes; anything this large is a mistake, not configuration. */
export const MAX_ENV_FILE_BYTES = 5 * 1024 * 1024;

export interface EnvFileContent {
  text: string;
  document: EnvDocument;
}

const MEGABYTE = 1024 * 1024;

function describeSize(bytes: number): string {
  return bytes % MEGABYTE === 0 ? `${bytes / MEGABYTE} MB` : `${bytes}-byte`;
}

function tooLarge(path: string, size: number, maxBytes: number): ConfigError {
  return new ConfigError(`${path} is ${size} bytes, over the ${describeSize(maxBytes)} limit for an env file.`, {
    hint: 'Check that --env-file points at the right file; a .env holds a few KEY=value lines.',
  });
}

/** Reads at most `maxBytes + 1` bytes, so that a file that grows while read cannot make the read endless. */
async function readBounded(handle: FileHandle, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total <= maxBytes) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Undefined when the file does not exist. Only a regular file is read (a FIFO or a device would
 * never end). Invalid UTF-8 is refused: rewriting it would change bytes nobody meant to touch.
 */
export async function readEnvFile(path: string, options: { maxBytes?: number } = {}): Promise<EnvFileContent | undefined> {
  const maxBytes = options.maxBytes ?? MAX_ENV_FILE_BYTES;
  let bytes: Buffer;
  try {
    const handle = await openRegularFile(path);
    if (handle === undefined) return undefined;
    try {
      const stats = await handle.stat();
      if (stats.size > maxBytes) throw tooLarge(path, stats.size, maxBytes);
      bytes = await readBounded(handle, maxBytes);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Cannot read ${path}: ${describe(error)}`, { hint: 'Check the file permissions.', cause: error });
  }
  // A file that grew after stat reports its real size only when read.
  if (bytes.length > maxBytes) throw tooLarge(path, bytes.length, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new ConfigError(`${path} is not valid UTF-8 text.`, {
      hint: 'Save the file as UTF-8 (Compose and Chainlit both expect it).',
      cause: error,
    });
  }
  return { text, document: parseEnvDocument(text) };
}
