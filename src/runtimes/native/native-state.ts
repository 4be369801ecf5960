import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from '../../support/zod.js';
import type { ServiceRole } from '../runtime.js';
import { keepProjectOwner } from '../../support/project-owner.js';

/** Where the native runtime keeps everything, all under the host's `.datalayer/`. */
export interface NativePaths {
  stateDir: string;
  nativeDir: string;
  postgresDataDir: string;
  /** Postgres' Unix socket directory (kept inside `.datalayer/native`, not /var/run). */
  socketDir: string;
  s3DataDir: string;
  stateFile: string;
  logsDir: string;
  postgresLog: string;
  s3Log: string;
}

export function nativePaths(stateDir: string): NativePaths {
  const nativeDir = path.join(stateDir, 'native');
  const logsDir = path.join(stateDir, 'logs');
  return {
    stateDir,
    nativeDir,
    postgresDataDir: path.join(nativeDir, 'postgres'),
    socketDir: path.join(nativeDir, 'run'),
    s3DataDir: path.join(nativeDir, 's3'),
    stateFile: path.join(nativeDir, 'state.json'),
    logsDir,
    postgresLog: path.join(logsDir, 'postgres.log'),
    s3Log: path.join(logsDir, 's3.log'),
  };
}

export function logFileOf(paths: NativePaths, role: ServiceRole): string {
  return role === 'postgres' ? paths.postgresLog : paths.s3Log;
}

const processRecordSchema = z.object({
  pid: z.int().check(z.positive()),
  port: z.int().check(z.minimum(1), z.maximum(65535)),
  startedAt: z.string(),
  /** Start time in clock ticks since boot, read from /proc right after the spawn (see process-identity.ts). */
  startTicks: z.optional(z.int()),
  /** S3 only: a salted hash of the key pair it was started with (see s3-key-fingerprint.ts). */
  keyFingerprint: z.optional(z.string()),
});
export type ProcessRecord = z.infer<typeof processRecordSchema>;

const clusterSchema = z.object({
  /** The superuser initdb created: credentials of an existing data directory never change. */
  superuser: z.string(),
  initialisedAt: z.string(),
  /** Databases known to exist (created or checked after a start). */
  databases: z.array(z.string()),
  /**
   * false from initdb (run with --no-sync) until its files are known to be on disk: a start that
   * finds it false flushes them. Absent in records older than that: initdb had flushed them itself.
   */
  flushed: z.optional(z.boolean()),
});
export type ClusterRecord = z.infer<typeof clusterSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  cluster: z.optional(clusterSchema),
  services: z.object({ postgres: z.optional(processRecordSchema), s3: z.optional(processRecordSchema) }),
});
export type NativeState = z.infer<typeof stateSchema>;

export function emptyState(): NativeState {
  return { version: 1, services: {} };
}

/**
 * Reads `state.json`; a missing file is an empty state. A file that does not parse is treated as
 * empty too: it only records processes, which `start` re-detects (orphan postmasters included).
 */
export async function readNativeState(stateFile: string): Promise<NativeState> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A hand-edited file: starting over loses nothing but process records.
    return emptyState();
  }
  const parsed = stateSchema.safeParse(json);
  return parsed.success ? parsed.data : emptyState();
}

/** The last write of each state file this process queued: writes to one file go one at a time. */
const queued = new Map<string, Promise<void>>();

/**
 * Writes the state atomically (temp file + rename) with private permissions. Writes to one file
 * are queued, each taking the state as it is when its turn comes: the Postgres and S3 starts,
 * which run side by side and share one state, never leave an older copy behind a newer one.
 */
export function writeNativeState(stateFile: string, state: NativeState): Promise<void> {
  const write = (queued.get(stateFile) ?? Promise.resolve()).then(
    () => writeNow(stateFile, state),
    () => writeNow(stateFile, state),
  );
  queued.set(stateFile, write);
  return write;
}

async function writeNow(stateFile: string, state: NativeState): Promise<void> {
  const temporary = `${stateFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await keepProjectOwner(path.dirname(path.dirname(stateFile)), temporary);
    await rename(temporary, stateFile);
  } finally {
    await rm(temporary, { force: true });
  }
}
