import { existsSync } from 'node:fs';
import { isDatalayerError } from '../../support/errors.js';
import { ProcessRunner } from '../../process/runner.js';
import { defaultS3ServerScript } from './native-runtime.js';
import { binaryProblems, resolveInstalledPackage, resolvePostgresBinaries, type PackageResolver } from '../../process/postgres-binaries.js';
import { DEFAULT_SERVER_USER, findUntraversableDirectory, lookUpUser } from './system-user.js';

export interface NativePrerequisiteOptions {
  resolvePackage?: PackageResolver;
  s3ServerScript?: string;
  /** Used when running as root, to find the user Postgres runs as. */
  runner?: ProcessRunner;
  serverUser?: string;
  /** The host directory, whose parents Postgres must be able to traverse when it runs as another user. */
  hostDir?: string;
  currentUid?: number;
}

/**
 * What `check` reports for the native runtime, without starting or changing anything: the platform
 * package of the PostgreSQL binaries, its programs, the S3 server program, and, as root, whether the
 * server user can reach the binaries and the host directory.
 */
export async function nativePrerequisites(options: NativePrerequisiteOptions = {}): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  const resolvePackage = options.resolvePackage ?? resolveInstalledPackage;
  let nativeDir: string | undefined;
  try {
    const binaries = resolvePostgresBinaries(resolvePackage);
    nativeDir = binaries.nativeDir;
    problems.push(...(await binaryProblems(binaries)));
  } catch (error) {
    if (!isDatalayerError(error)) throw error;
    problems.push(error.hint ? `${error.message} ${error.hint}` : error.message);
  }
  const script = options.s3ServerScript ?? defaultS3ServerScript();
  if (!existsSync(script)) problems.push(`The S3 server program ${script} is missing: reinstall or rebuild datalayer.`);
  if ((options.currentUid ?? process.getuid?.()) === 0) {
    problems.push(...(await rootProblems(options, nativeDir)));
  }
  return { ok: problems.length === 0, problems };
}

/** As root, Postgres runs as an unprivileged user that must exist (or be creatable) and reach its files. */
async function rootProblems(options: NativePrerequisiteOptions, nativeDir: string | undefined): Promise<string[]> {
  const runner = options.runner ?? new ProcessRunner();
  const userName = options.serverUser ?? DEFAULT_SERVER_USER;
  const problems: string[] = [];
  const setpriv = await runner.run('setpriv', ['--version']);
  if (setpriv.notFound) problems.push('setpriv (util-linux) is missing: it runs initdb as an unprivileged user when datalayer runs as root.');
  const identity = await lookUpUser(runner, userName);
  if (!identity) {
    const useradd = await runner.run('useradd', ['--help']);
    if (useradd.notFound) problems.push(`Running as root needs a system user ${userName} for PostgreSQL, and useradd is not available to create it.`);
    return problems;
  }
  for (const [target, what] of [
    [nativeDir, 'the PostgreSQL binaries'],
    [options.hostDir, 'the host directory'],
  ] as const) {
    if (target === undefined || !existsSync(target)) continue;
    const blocked = findUntraversableDirectory(target, identity);
    if (blocked) problems.push(`PostgreSQL runs as ${userName} (it refuses root), which cannot enter ${blocked} to reach ${what}.`);
  }
  return problems;
}
