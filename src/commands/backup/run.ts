import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { bucketTargetOf, endpointsOf } from '../../config/endpoints.js';
import { requireDataLayerOn } from '../../config/require-valid-config.js';
import type { Context } from '../../context/context.js';
import { displayPath } from '../../context/host-project.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { readRuntimeRecord } from '../../runtimes/runtime-record.js';
import { createBackup, type BackupSummary } from '../../services/backup/create-backup.js';
import { formatBytes } from '../../services/backup/format-bytes.js';
import { ExitCode, RefusedError } from '../../support/errors.js';
import { finishBeforeExit } from '../../support/finish-before-exit.js';

/** The options of `backup`, as its declaration (index.ts) validates them. */
export interface BackupOptions {
  file: string | undefined;
  overwrite: boolean;
}

export interface BackupData extends BackupSummary {
  file: string;
  bucket: string | null;
  runtime: 'docker' | 'native' | null;
  durationMs: number;
}
export type BackupResult = CommandResult<BackupData>;

export async function run(options: BackupOptions, context: Context): Promise<BackupResult> {
  const started = Date.now();
  const check = await requireDataLayerOn(context, 'there is no chat history to back up');
  const target = path.resolve(context.host.dir, options.file ?? defaultFile(context.host.stateDir));
  const shown = displayPath(context.host.dir, target);
  if (existsSync(target) && !options.overwrite) {
    throw new RefusedError(`${shown} exists; nothing was written.`, { hint: 'Pass another file name, or --overwrite to replace it.', data: { file: shown } });
  }
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const endpoints = endpointsOf(check.config);
  const bucket = bucketTargetOf(endpoints);
  const runtime = check.state === 'local' ? ((await readRuntimeRecord(context.host.stateDir))?.runtime ?? null) : null;
  const work = createBackup({
    databaseUrl: endpoints.databaseUrl,
    ...(bucket ? { bucket: { name: bucket.bucket, settings: bucket.settings } } : {}),
    source: { state: check.state, runtime },
    target,
    stagingParent: path.join(context.host.stateDir, 'tmp'),
    datalayerVersion: context.reporter.version,
    reporter: context.reporter,
    signal: context.signal,
  });
  finishBeforeExit(context, work);
  const summary = await work;
  for (const key of summary.objectsGone) context.reporter.warn(`object "${key}" was deleted while the backup ran; it is not in the archive.`);
  return {
    exitCode: ExitCode.ok,
    diagnostics: [],
    data: { file: shown, bucket: bucket?.bucket ?? null, runtime, durationMs: Date.now() - started, ...summary },
  };
}

/** `.datalayer/backups/backup-20260102-030405.tar.gz`: private, ignored by git, sorted by time. */
function defaultFile(stateDir: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(stateDir, 'backups', `backup-${stamp}.tar.gz`);
}

export function render(result: BackupResult, style: Style): string {
  const { data } = result;
  const objects = data.bucket ? `, ${data.objects} object${data.objects === 1 ? '' : 's'} (${formatBytes(data.objectBytes)}) of bucket ${data.bucket}` : '';
  return [
    `${style.ok('✔')} Backup written: ${data.file} (${formatBytes(data.bytes)}, ${(data.durationMs / 1000).toFixed(1)} s)`,
    `  ${data.tables} tables, ${data.rows} rows, ${data.migrations} migrations in the ledger${objects}`,
    style.dim(`Restore it with \`datalayer restore ${data.file}\` (into an empty stack, or with --replace).`),
  ].join('\n');
}
