import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The S3 server's own record of itself, `server.pid` in its data directory, like Postgres'
 * `postmaster.pid`: written by the server once it listens, removed when it stops. datalayer finds a
 * running server through it even when its own records are gone, and checks the process against it
 * (start time, working directory: see process-identity.ts) before it signals anything. It sits
 * beside `buckets/` and `tmp/`, where no bucket or object is ever stored.
 */
export interface S3PidRecord {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat), undefined where there is no /proc. */
  startTicks: number | undefined;
  port: number;
  /** Salted fingerprint of the key pair it serves (s3-key-fingerprint.ts). */
  keyFingerprint: string;
  startedAt: string;
}

export const S3_PID_FILE = 'server.pid';

export function s3PidFile(s3DataDir: string): string {
  return path.join(s3DataDir, S3_PID_FILE);
}

/** The record in `file`; undefined when there is none or it is not one (a crash mid-write cannot leave half: it is renamed into place). */
export async function readS3PidFile(file: string): Promise<S3PidRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseS3PidRecord(text);
}

export function parseS3PidRecord(text: string): S3PidRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const integer = (field: unknown): field is number => typeof field === 'number' && Number.isSafeInteger(field) && field > 0;
  if (!integer(record.pid) || !integer(record.port) || typeof record.keyFingerprint !== 'string') return undefined;
  return {
    pid: record.pid,
    startTicks: integer(record.startTicks) ? record.startTicks : undefined,
    port: record.port,
    keyFingerprint: record.keyFingerprint,
    startedAt: typeof record.startedAt === 'string' ? record.startedAt : '',
  };
}

/** Server side: writes the record (temp file, then rename). `file` may be relative to the server's directory. */
export function writeS3PidFileSync(file: string, record: S3PidRecord): void {
  const temporary = `${file}.${record.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Server side, on exit: removes the record if it is still its own (a newer server may have replaced it). */
export function removeS3PidFileSync(file: string, pid: number): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (parseS3PidRecord(text)?.pid === pid) rmSync(file, { force: true });
}
