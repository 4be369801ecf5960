import { existsSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../../process/process-alive.js';
import { assertStateAccess } from '../../support/project-owner.js';
import type { ServiceRole } from '../runtime.js';
import { nativePaths, readNativeState, type NativePaths, type ProcessRecord } from './native-state.js';
import { readPostmasterLock } from './postmaster-lock.js';
import { judgeProcess, procAvailable, type RecordedProcess } from './process-identity.js';
import { terminateProcess } from './process-probe.js';
import { readS3PidFile, s3PidFile } from './s3-pid-file.js';

/**
 * Finding the running servers of a project from what lies in their data directories, so that
 * nothing depends on datalayer's own records (state.json, runtime.json) surviving: Postgres'
 * `postmaster.pid`, the S3 server's `server.pid`, then the record state.json made at spawn (a
 * server that has not written its own yet). Every candidate is checked with process-identity.ts.
 */
export interface RunningServer {
  role: ServiceRole;
  pid: number;
  /** The port it was started on, when its records say. */
  port: number | undefined;
  /** S3: the salted fingerprint of the key pair it serves. */
  keyFingerprint?: string;
  /** False when it belongs to another user, whom this one may neither inspect nor signal. */
  controllable: boolean;
  /** What it was recognised by, to check again before each signal. */
  identity: RecordedProcess;
  directory: string;
}

interface Candidate {
  identity: RecordedProcess;
  directory: string;
  port: number | undefined;
  keyFingerprint?: string;
  /** Written by datalayer at spawn (trusted where /proc cannot tell, as before /proc checks). */
  spawnRecord: boolean;
}

export function dataDirectoryOf(paths: NativePaths, role: ServiceRole): string {
  return role === 'postgres' ? paths.postgresDataDir : paths.s3DataDir;
}

/** This user may use the native runtime's directories (else: who made them, and how to hand them over). */
export function assertNativeAccess(paths: NativePaths): void {
  assertStateAccess(paths.stateDir, [paths.stateDir, paths.nativeDir, paths.postgresDataDir, paths.s3DataDir, paths.logsDir]);
}

/** The running server of `role` for this project, if any. */
export async function findServer(paths: NativePaths, role: ServiceRole, record: ProcessRecord | undefined): Promise<RunningServer | undefined> {
  const candidates = role === 'postgres' ? await postgresCandidates(paths, record) : await s3Candidates(paths, record);
  const haveProc = procAvailable();
  for (const candidate of candidates) {
    const verdict = judgeProcess(candidate.identity, candidate.directory);
    if (verdict === 'not-ours') continue;
    if (verdict === 'unknown' && !haveProc && !(candidate.spawnRecord && isProcessAlive(candidate.identity.pid))) continue;
    return {
      role,
      pid: candidate.identity.pid,
      port: candidate.port,
      ...(candidate.keyFingerprint === undefined ? {} : { keyFingerprint: candidate.keyFingerprint }),
      controllable: verdict === 'ours' || !haveProc,
      identity: candidate.identity,
      directory: candidate.directory,
    };
  }
  return undefined;
}

/** Whether the server is still the very process that was found (checked again before every signal). */
export function stillRunning(server: RunningServer): boolean {
  if (!procAvailable()) return isProcessAlive(server.pid);
  return judgeProcess(server.identity, server.directory) === 'ours';
}

/**
 * Stops a server that was recognised as ours, and nothing else: SIGINT is Postgres' fast shutdown
 * (clients disconnected), SIGTERM the S3 server's; SIGKILL after `graceMs`, after checking again.
 */
export async function stopServer(server: RunningServer, graceMs: number): Promise<void> {
  if (!server.controllable) return;
  await terminateProcess(server.pid, server.role === 'postgres' ? 'SIGINT' : 'SIGTERM', graceMs, () => stillRunning(server));
}

async function postgresCandidates(paths: NativePaths, record: ProcessRecord | undefined): Promise<Candidate[]> {
  const directory = paths.postgresDataDir;
  const candidates: Candidate[] = [];
  const lock = await readPostmasterLock(directory);
  if (lock) {
    const recordedTicks = record?.pid === lock.pid ? record.startTicks : undefined;
    candidates.push({ identity: identityOf(lock.pid, recordedTicks, 'postgres'), directory, port: lock.port ?? record?.port, spawnRecord: false });
  }
  if (record && record.pid !== lock?.pid) {
    candidates.push({ identity: identityOf(record.pid, record.startTicks, 'postgres'), directory, port: record.port, spawnRecord: true });
  }
  return candidates;
}

async function s3Candidates(paths: NativePaths, record: ProcessRecord | undefined): Promise<Candidate[]> {
  const directory = paths.s3DataDir;
  const candidates: Candidate[] = [];
  const own = await readS3PidFile(s3PidFile(directory));
  if (own) {
    candidates.push({ identity: { ...identityOf(own.pid, own.startTicks, undefined), directoryArgument: directory }, directory, port: own.port, keyFingerprint: own.keyFingerprint, spawnRecord: false });
  }
  if (record && record.pid !== own?.pid) {
    // A server started by an earlier version worked in .datalayer/native and recorded no start time.
    const legacy = record.startTicks === undefined;
    candidates.push({
      identity: { ...identityOf(record.pid, record.startTicks, path.basename(process.execPath)), directoryArgument: directory },
      directory: legacy ? paths.nativeDir : directory,
      port: record.port,
      ...(record.keyFingerprint === undefined ? {} : { keyFingerprint: record.keyFingerprint }),
      spawnRecord: true,
    });
  }
  return candidates;
}

function identityOf(pid: number, startTicks: number | undefined, executable: string | undefined): RecordedProcess {
  if (startTicks !== undefined) return { pid, startTicks };
  return executable === undefined ? { pid } : { pid, executable };
}

/** Whether a server of this project runs (records lost or not): a few file and /proc reads. */
export async function nativeServersRun(stateDir: string): Promise<boolean> {
  const paths = nativePaths(stateDir);
  if (!existsSync(paths.nativeDir)) return false;
  assertNativeAccess(paths);
  const state = await readNativeState(paths.stateFile);
  for (const role of ['postgres', 's3'] as const) {
    if (await findServer(paths, role, state.services[role])) return true;
  }
  return false;
}
