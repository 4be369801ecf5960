import path from 'node:path';
import { bucketTargetOf, endpointsOf } from '../../config/endpoints.js';
import { requireDataLayerOn } from '../../config/require-valid-config.js';
import type { Context } from '../../context/context.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { formatBytes } from '../../services/backup/format-bytes.js';
import { restoreArchive, type RestoreSummary } from '../../services/restore/restore-archive.js';
import { ExitCode } from '../../support/errors.js';
import { finishBeforeExit } from '../../support/finish-before-exit.js';

/** The options of `restore`, as its declaration (index.ts) validates them. */
export interface RestoreOptions {
  file: string;
  replace: boolean;
}

export interface RestoreData extends RestoreSummary {
  file: string;
  bucket: string | null;
  durationMs: number;
}
export type RestoreResult = CommandResult<RestoreData>;

export async function run(options: RestoreOptions, context: Context): Promise<RestoreResult> {
  const started = Date.now();
  const check = await requireDataLayerOn(context, 'there is nowhere to restore to');
  const endpoints = endpointsOf(check.config);
  const bucket = bucketTargetOf(endpoints);
  const work = restoreArchive({
    file: path.resolve(context.host.dir, options.file),
    shown: options.file,
    databaseUrl: endpoints.databaseUrl,
    ...(bucket ? { bucket: { name: bucket.bucket, settings: bucket.settings } } : {}),
    replace: options.replace,
    yes: context.yes,
    ...(context.interactive ? { confirm: (question: string) => context.reporter.confirm(question, context.signal) } : {}),
    stagingParent: path.join(context.host.stateDir, 'tmp'),
    reporter: context.reporter,
    signal: context.signal,
  });
  finishBeforeExit(context, work);
  const summary = await work;
  return { exitCode: ExitCode.ok, diagnostics: [], data: { file: options.file, bucket: bucket?.bucket ?? null, durationMs: Date.now() - started, ...summary } };
}

export function render(result: RestoreResult, style: Style): string {
  const { data } = result;
  const from = [data.source.runtime ?? data.source.state, data.source.postgresVersion ? `PostgreSQL ${data.source.postgresVersion}` : ''].filter(Boolean).join(', ');
  const lines = [
    `${style.ok('✔')} Restored ${data.file} (made ${data.createdAt} on ${from}) in ${(data.durationMs / 1000).toFixed(1)} s`,
    `  ${data.tables} tables, ${data.rows} rows${data.bucket ? `, ${data.objects} objects (${formatBytes(data.objectBytes)}) in bucket ${data.bucket}` : ''}; counts and checksums verified`,
  ];
  if (data.replaced) lines.push(`  Replaced ${data.replaced.rows} rows and ${data.replaced.objects} objects the target held${data.deletedObjects ? ` (${data.deletedObjects} objects only it had were deleted)` : ''}.`);
  return lines.join('\n');
}
