/**
 * Where the saved copy meets `down` and `up`: save before the in-memory S3 stops, put back what it
 * lacks before `up` says ready. What it lacks, `status` says (commands/status/saved-objects.ts).
 */
import { existsSync } from 'node:fs';
import type { ComposeModel } from '../../config/compose/model.js';
import type { Endpoints } from '../../config/endpoints.js';
import type { Context } from '../../context/context.js';
import { displayPath } from '../../context/host-project.js';
import type { Runtime } from '../../runtimes/runtime.js';
import { finishBeforeExit } from '../../support/finish-before-exit.js';
import { formatBytes } from '../backup/format-bytes.js';
import { inMemoryS3Of } from './in-memory-s3.js';
import { recordInstance, savedCopyPath } from './copy-file.js';
import type { SaveSummary } from './saved-copy.js';

export interface SavedObjectsOutcome extends SaveSummary {
  file: string;
}

/** `down`: the objects of an in-memory S3 into `.datalayer/` before it stops; undefined when there is nothing to keep. */
export async function saveBeforeStop(context: Context, runtime: Runtime, compose: ComposeModel | undefined, endpoints: Endpoints): Promise<SavedObjectsOutcome | undefined> {
  const memory = await inMemoryS3Of(runtime, compose, endpoints, context.signal);
  if (!memory) return undefined;
  const file = displayPath(context.host.dir, savedCopyPath(context.host.stateDir));
  const progress = context.reporter.progress(`Saving the objects of ${memory.service} (it keeps them in memory) to ${file}`);
  try {
    // The archive code (tar, gzip) is loaded only when there is a copy to write or to read.
    const { saveObjects } = await import('./saved-copy.js');
    const work = saveObjects({
      stateDir: context.host.stateDir,
      settings: memory.settings,
      instance: memory.instance,
      source: { state: 'local', runtime: 'docker' },
      datalayerVersion: context.reporter.version,
      signal: context.signal,
      onProgress: (bucket, p) => progress.update(`Saving bucket ${bucket}: ${p.objects}/${p.totalObjects} objects (${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)})`),
    });
    finishBeforeExit(context, work);
    const summary = await work;
    progress.done(`Saved ${summary.objects} objects (${formatBytes(summary.bytes)}) of ${summary.buckets} bucket(s) to ${file}`);
    if (summary.kept > 0) {
      context.reporter.warn(`${memory.service} was restarted outside datalayer since \`up\`: it lacked ${summary.kept} object(s) of the previous copy, which are kept in ${file}.`);
    }
    return { ...summary, file };
  } catch (error) {
    progress.fail(`Objects not saved; nothing was stopped`);
    throw error;
  }
}

/** `up`: the saved objects the running in-memory S3 lacks, put back; then the S3 is known to hold the copy. */
export async function putBackAfterStart(context: Context, runtime: Runtime, compose: ComposeModel | undefined, endpoints: Endpoints): Promise<{ restored: number; saved: number } | undefined> {
  const memory = await inMemoryS3Of(runtime, compose, endpoints, context.signal);
  if (!memory) return undefined;
  if (!existsSync(savedCopyPath(context.host.stateDir))) {
    if (memory.instance) await recordInstance(context.host.stateDir, memory.instance);
    return { restored: 0, saved: 0 };
  }
  const progress = context.reporter.progress(`Putting back the saved objects into ${memory.service}`);
  try {
    const { putBackMissing } = await import('./saved-copy.js');
    const work = putBackMissing({
      stateDir: context.host.stateDir,
      settings: memory.settings,
      signal: context.signal,
      onProgress: (done, total) => progress.update(`Putting back the saved objects into ${memory.service}: ${done}/${total}`),
    });
    finishBeforeExit(context, work);
    const result = await work;
    progress.done(
      `${result.restored} saved object(s) put back into ${memory.service} (${formatBytes(result.bytes)})${result.restored < result.saved ? `; ${result.saved - result.restored} were there already` : ''}`,
    );
    if (memory.instance) await recordInstance(context.host.stateDir, memory.instance);
    return { restored: result.restored, saved: result.saved };
  } catch (error) {
    progress.fail('Saved objects not put back');
    throw error;
  }
}
