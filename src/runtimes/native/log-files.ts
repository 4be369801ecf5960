import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../../support/poll.js';
import { rotatedFiles } from './log-rotation.js';

/** Where `logs` writes: the reporter in the CLI, a collector in tests. */
export interface LogWriter {
  write(text: string): unknown;
  /** Resolves once the reader has taken what was written, so a large log is never held in memory. */
  drained?(): Promise<void>;
}

export interface LogSource {
  /** Shown before each line when several services are printed, like `docker compose logs`. */
  name: string;
  file: string;
}

const CHUNK_BYTES = 64 * 1024;

/** The last `count` lines of a log and, when it has fewer, of its rotated files before it. */
export async function readLastLines(file: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  for (const candidate of [file, ...rotatedFiles(file)]) {
    if (lines.length >= count) break;
    lines.unshift(...(await readLastLinesOfFile(candidate, count - lines.length)));
  }
  return lines;
}

/** The last `count` lines of one file (none when it does not exist). Reads backwards in chunks. */
async function readLastLinesOfFile(file: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const handle = await openIfPresent(file);
  if (!handle) return [];
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // One more line break than asked, so the first kept line is known to be whole.
    while (start > 0 && newlines <= count) {
      const length = Math.min(CHUNK_BYTES, start);
      start -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, start);
      chunks.unshift(buffer);
      for (const byte of buffer) if (byte === 0x0a) newlines += 1;
    }
    // Decoded once, so a character split across two chunks stays whole.
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

function prefixer(sources: readonly LogSource[]): (source: LogSource) => string {
  if (sources.length < 2) return () => '';
  const width = Math.max(...sources.map((source) => source.name.length));
  return (source) => `${source.name.padEnd(width)} | `;
}

/** Splits text arriving in pieces into whole lines, each written with a prefix. */
class LineWriter {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly prefix: string,
    private readonly writer: LogWriter,
  ) {}

  push(bytes: Buffer): void {
    const lines = (this.partial + this.decoder.write(bytes)).split('\n');
    this.partial = lines.pop() ?? '';
    if (lines.length > 0) this.writer.write(lines.map((line) => `${this.prefix}${line}\n`).join(''));
  }

  /** The last line of a file that does not end with a line break. */
  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.writer.write(`${this.prefix}${rest}\n`);
  }
}

/**
 * Prints each source's log (its last `tail` lines when given; else everything, rotated files first,
 * streamed in chunks at the reader's pace), then with `follow` polls the files and prints new whole
 * lines until `signal` aborts. A file that shrinks (rotated, recreated) is read again from its start.
 */
export async function printLogs(
  sources: readonly LogSource[],
  options: { tail?: number; follow?: boolean; signal?: AbortSignal; pollMs?: number },
  writer: LogWriter,
): Promise<void> {
  const prefix = prefixer(sources);
  const offsets = new Map<LogSource, number>();
  for (const source of sources) {
    const size = await fileSize(source.file);
    if (options.tail === undefined) {
      for (const file of [...rotatedFiles(source.file)].reverse()) await streamFile(file, Number.MAX_SAFE_INTEGER, new LineWriter(prefix(source), writer), writer);
      await streamFile(source.file, size, new LineWriter(prefix(source), writer), writer);
    } else {
      const lines = await readLastLines(source.file, options.tail);
      if (lines.length > 0) writer.write(lines.map((line) => `${prefix(source)}${line}\n`).join(''));
    }
    offsets.set(source, size);
  }
  if (!options.follow) return;
  const followers = new Map(sources.map((source) => [source, new LineWriter(prefix(source), writer)]));
  while (!options.signal?.aborted) {
    for (const source of sources) {
      const offset = await readNewBytes(source.file, offsets.get(source) ?? 0, followers.get(source)!);
      offsets.set(source, offset);
    }
    await writer.drained?.();
    // An abort ends the pause early; the loop condition sees it and stops following.
    await sleep(options.pollMs ?? 250, options.signal).catch((error: unknown) => {
      if (!options.signal?.aborted) throw error;
    });
  }
}

/** Writes the first `limit` bytes of a file (all of it, up to its size now) through `lines`, chunk by chunk. */
async function streamFile(file: string, limit: number, lines: LineWriter, writer: LogWriter): Promise<void> {
  const handle = await openIfPresent(file);
  if (!handle) return;
  try {
    const end = Math.min(limit, (await handle.stat()).size);
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (let position = 0; position < end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      lines.push(buffer.subarray(0, bytesRead));
      await writer.drained?.();
    }
    lines.flush();
  } finally {
    await handle.close();
  }
}

async function openIfPresent(file: string) {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Reads what was appended since `offset` (at most a few chunks per look); returns the new offset. */
async function readNewBytes(file: string, offset: number, lines: LineWriter): Promise<number> {
  const size = await fileSize(file);
  const from = size < offset ? 0 : offset;
  if (size === from) return from;
  const handle = await openIfPresent(file);
  if (!handle) return 0;
  try {
    const buffer = Buffer.alloc(Math.min(size - from, 16 * CHUNK_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    lines.push(buffer.subarray(0, bytesRead));
    return from + bytesRead;
  } finally {
    await handle.close();
  }
}
