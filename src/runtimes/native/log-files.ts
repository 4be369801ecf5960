import { open, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** Where `logs` writes: the reporter in the CLI, a collector in tests. */
export interface LogWriter {
  write(text: string): unknown;
}

export interface LogSource {
  /** Shown before each line when several services are printed, like `docker compose logs`. */
  name: string;
  file: string;
}

/** The last `count` lines of a file (none when it does not exist). Reads backwards in chunks. */
export async function readLastLines(file: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const chunkSize = 64 * 1024;
    const chunks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // One more line break than asked, so the first kept line is known to be whole.
    while (start > 0 && newlines <= count) {
      const length = Math.min(chunkSize, start);
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

/**
 * Prints each source's log (its last `tail` lines when given), then with `follow` polls the files
 * and prints new whole lines until `signal` aborts. A file that shrinks (rotated, recreated) is
 * read again from its start.
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
    const lines = options.tail === undefined ? await readAllLines(source.file) : await readLastLines(source.file, options.tail);
    for (const line of lines) writer.write(`${prefix(source)}${line}\n`);
    offsets.set(source, size);
  }
  if (!options.follow) return;
  const partial = new Map<LogSource, string>();
  while (!options.signal?.aborted) {
    for (const source of sources) {
      const { text, offset } = await readNewText(source.file, offsets.get(source) ?? 0);
      offsets.set(source, offset);
      if (text === '') continue;
      const lines = ((partial.get(source) ?? '') + text).split('\n');
      partial.set(source, lines.pop() ?? '');
      for (const line of lines) writer.write(`${prefix(source)}${line}\n`);
    }
    await sleepUnlessAborted(options.pollMs ?? 250, options.signal);
  }
}

async function readAllLines(file: string): Promise<string[]> {
  return readLastLines(file, Number.MAX_SAFE_INTEGER);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function readNewText(file: string, offset: number): Promise<{ text: string; offset: number }> {
  const size = await fileSize(file);
  const from = size < offset ? 0 : offset;
  if (size === from) return { text: '', offset: from };
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), offset: from + bytesRead };
  } finally {
    await handle.close();
  }
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    // An abort ends the wait early; the loop condition sees it and stops following.
    if ((error as Error).name !== 'AbortError') throw error;
  }
}
