import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ComposeModel } from '../../config/compose/model.js';
import { checkHost } from '../../config/check-host.js';
import type { Context } from '../../context/context.js';
import { ExitCode, PrerequisiteError, RefusedError, messageHeadline } from '../../support/errors.js';
import { displayPath } from '../../context/host-project.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { removeRuntimeRecord } from '../../runtimes/runtime-record.js';
import { inUseOrSelected, runtimeInUse, type RuntimeInUse } from '../../runtimes/select-runtime.js';
import { endpointsOf } from '../../config/endpoints.js';
import { savedCopyPath } from '../../services/saved-objects/copy-file.js';
import { removeSavedCopy } from '../../services/saved-objects/saved-copy.js';
import { saveBeforeStop, type SavedObjectsOutcome } from '../../services/saved-objects/stack-hooks.js';

/** The options of `down`, as its declaration (index.ts) validates them. */
export interface DownOptions {
  volumes: boolean;
  runtime: 'docker' | 'native' | undefined;
}

export interface DownData {
  runtime: 'docker' | 'native' | null;
  stopped: boolean;
  volumes: boolean;
  deleted: string[];
  /** The objects of an in-memory S3 (LocalStack), saved before it stopped; null when there was none. */
  savedObjects: SavedObjectsOutcome | null;
  message?: string;
}
export type DownResult = CommandResult<DownData>;

export async function run(options: DownOptions, context: Context): Promise<DownResult> {
  const check = await checkHost(context);
  // Whatever `.env` says now (missing, disabled): what the last `up` started, or native servers found running, is stopped.
  const inUse = await runtimeInUse(context, check.config, check.compose, options.runtime);
  if (!inUse) {
    if (check.config.document === undefined) {
      return done({ runtime: null, stopped: false, volumes: options.volumes, deleted: [], savedObjects: null, message: `Nothing to stop: ${context.host.envFileLabel} does not exist here, so datalayer started nothing in ${context.host.dir}.` });
    }
    if (check.state !== 'local') {
      return done({ runtime: null, stopped: false, volumes: options.volumes, deleted: [], savedObjects: null, message: `Nothing to stop: the data layer is ${check.state} (datalayer starts services only for the local state).` });
    }
  }
  const selected = await inUseOrSelected(context, check.config, check.compose, inUse);
  if (!selected || (selected.runtime.kind === 'docker' && check.config.document === undefined)) {
    return unreachable(context, inUse!, options);
  }
  const { runtime } = selected;
  const running = (await runtime.services()).filter((s) => s.state !== 'missing');
  const dataPaths = options.volumes ? dataPathsOf(context, runtime.kind, check.compose) : [];
  const savedCopy = savedCopyPath(context.host.stateDir);
  if (options.volumes) await confirmDeletion(context, existsSync(savedCopy) ? [...dataPaths, savedCopy] : dataPaths);
  if (running.length === 0 && !options.volumes) {
    await removeRuntimeRecord(context.host.stateDir);
    return done({ runtime: runtime.kind, stopped: false, volumes: false, deleted: [], savedObjects: null, message: 'Nothing is running.' });
  }
  // Attachments are data: an S3 that keeps them in memory loses them when it stops, so they are
  // saved first, and nothing stops if they cannot be.
  const s3Running = running.some((service) => service.role === 's3' && service.state === 'running');
  const savedObjects = !options.volumes && s3Running ? await saveBeforeStop(context, runtime, check.compose, endpointsOf(check.config)) : undefined;
  const progress = context.reporter.progress(`Stopping services (${runtime.kind})`);
  const stopped = await runtime.stop({ volumes: options.volumes }).catch((error: unknown) => {
    progress.fail('Services did not stop');
    throw error;
  });
  progress.done(`Services stopped (${runtime.kind})`);
  const deleted = [...stopped.deleted];
  if (runtime.kind === 'docker') {
    for (const dir of dataPaths) {
      if (!existsSync(dir)) continue;
      await removeDataDirectory(context, dir);
      deleted.push(dir);
    }
  }
  if (options.volumes) deleted.push(...(await removeSavedCopy(context.host.stateDir)));
  await removeRuntimeRecord(context.host.stateDir);
  return done({
    runtime: runtime.kind,
    stopped: true,
    volumes: options.volumes,
    deleted: deleted.map((d) => displayPath(context.host.dir, d)),
    savedObjects: savedObjects ?? null,
  });
}

/**
 * The runtime of the last `up` cannot be asked: Docker is gone (then its containers do not run
 * either), or `.env` is missing (Compose needs it). Says so and how to go on; never deletes.
 */
function unreachable(context: Context, inUse: RuntimeInUse, options: DownOptions): DownResult {
  const project = inUse.project ? ` (compose project ${inUse.project})` : '';
  if (!inUse.unavailable) {
    throw new PrerequisiteError(`The docker runtime of the last \`up\`${project} may still run, and Docker Compose needs ${context.host.envFileLabel} to stop it.`, {
      hint: `Put ${context.host.envFileLabel} back and run \`datalayer down\` again${inUse.project ? `, or stop it with \`docker compose -p ${inUse.project} down\`` : ''}.`,
    });
  }
  if (inUse.unavailable.data.engineDown !== true) {
    // The engine runs but cannot be used from here (an old Compose, no permission): its containers may well run.
    throw new PrerequisiteError(`The ${inUse.kind} runtime of the last \`up\`${project} cannot be asked, and its services may still run: nothing was stopped. ${inUse.unavailable.message}`, {
      hint: inUse.unavailable.hint ?? 'Run `datalayer down` again once it can be asked.',
    });
  }
  if (options.volumes) {
    throw new PrerequisiteError(`The ${inUse.kind} runtime of the last \`up\`${project} cannot be reached, so its data cannot be deleted: ${inUse.unavailable.message}`, {
      hint: inUse.unavailable.hint ?? 'Run `datalayer down --volumes` again once it can be reached.',
    });
  }
  context.reporter.warn(`The ${inUse.kind} runtime of the last \`up\`${project} cannot be reached: ${messageHeadline(inUse.unavailable.message)}.`);
  return done({
    runtime: inUse.kind,
    stopped: false,
    volumes: false,
    deleted: [],
    savedObjects: null,
    message:
      `Nothing was stopped: the ${inUse.kind} runtime of the last \`up\`${project} cannot be reached (${messageHeadline(inUse.unavailable.message)}); without it, its services do not run here. ` +
      `Once it is back, \`datalayer down\` stops them; \`datalayer up --runtime native\` runs the data layer without Docker meanwhile.`,
  });
}

/**
 * What `--volumes` deletes: the native data directory, or the compose file's bind-mounted
 * directories that lie inside the submodule (never anything outside it: a mount of `/var/run`
 * or of the host's own folders is not data of ours).
 */
function dataPathsOf(context: Context, kind: 'docker' | 'native', compose: ComposeModel | undefined): string[] {
  if (kind === 'native') return [path.join(context.host.stateDir, 'native')];
  if (!compose) return [];
  const root = compose.directory;
  const inside = (target: string) => {
    const relative = path.relative(root, target);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  const dirs = compose.services.flatMap((service) => service.bindMounts.map((mount) => mount.source));
  // Only directories: a bind-mounted file (the LocalStack init script) is part of the submodule.
  return [...new Set(dirs)].filter((dir) => inside(dir) && !/\.[a-z0-9]+$/i.test(path.basename(dir)));
}

async function confirmDeletion(context: Context, paths: string[]): Promise<void> {
  const what = paths.length > 0 ? paths.map((p) => displayPath(context.host.dir, p)).join(', ') : 'the compose volumes';
  if (context.yes) return;
  if (!context.interactive) {
    throw new RefusedError(`Refusing to delete the data (${what}) without confirmation.`, {
      hint: 'Run `datalayer down --volumes --yes` to confirm, or `datalayer down` to stop and keep the data.',
    });
  }
  const answer = await context.reporter.confirm(`Delete all data of this data layer (${what})? Chat history and attachments will be lost.`, context.signal);
  if (!answer) throw new RefusedError('Nothing was deleted.', { hint: '`datalayer down` stops the services and keeps the data.' });
}

/** The Postgres image writes its data as its own user: without root, that directory may not be ours to delete. */
async function removeDataDirectory(context: Context, dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    const shown = displayPath(context.host.dir, dir);
    throw new PrerequisiteError(`The services are stopped, but ${shown} belongs to the container's user and cannot be deleted by this user.`, {
      hint: `Delete it with \`sudo rm -rf ${shown}\`, then run \`datalayer up\` for an empty database.`,
      data: { path: shown },
    });
  }
}

function done(data: DownData): DownResult {
  return { exitCode: ExitCode.ok, diagnostics: [], data };
}

export function render(result: DownResult, style: Style): string {
  const { data } = result;
  if (data.message && !data.stopped) return data.message;
  const lines = [style.ok(`✔ Stopped`) + (data.runtime ? ` (${data.runtime})` : '')];
  if (data.volumes) lines.push(deletedWords(data));
  else {
    if (data.savedObjects) lines.push(`Attachments: ${data.savedObjects.objects} object(s) saved to ${data.savedObjects.file} (the S3 emulator keeps them in memory only).`);
    lines.push(style.dim('The data is kept; `datalayer up` brings everything back.'));
  }
  return lines.join('\n');
}

/** What `--volumes` removed: only Docker has compose volumes; natively there may have been no data yet. */
function deletedWords(data: DownData): string {
  const paths = data.deleted.join(', ');
  if (data.runtime === 'docker') return data.deleted.length > 0 ? `Deleted the compose volumes and ${paths}.` : 'Deleted the compose volumes.';
  return data.deleted.length > 0 ? `Deleted: ${paths}` : 'There was no data to delete.';
}
