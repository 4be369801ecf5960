import type { ProcessRunner } from '../../process/runner.js';
import { prepareLogFile, prepareNativeDirectories, preparePostgresDirectories } from './native-directories.js';
import { writeNativeState, type NativePaths, type NativeState } from './native-state.js';
import {
  assertBinariesUsable,
  binaryProblems,
  ensureSharedLibrarySymlinks,
  resolvePostgresBinaries,
  type PackageResolver,
} from '../../process/postgres-binaries.js';
import { clusterExists, credentialsChanged, ensureDatabase, initialiseCluster, type PostgresSettings } from './postgres-cluster.js';
import { clearStalePostmaster, clearStaleSocketLocks, postmasterSaysReady } from './postmaster-lock.js';
import { judgeProcess, processStartTicks } from './process-identity.js';
import { readLastLines } from './log-files.js';
import { assertTraversable, findUntraversableDirectory, postgresServerIdentity, type ServerIdentity } from './system-user.js';
import { reachableBinaries } from './private-binaries.js';
import { placePostgresData, type PostgresPlacement } from './private-data.js';
import { flushTree } from './flush-tree.js';
import { PrerequisiteError } from '../../support/errors.js';
import { failureOf } from '../../support/failure-of.js';

export interface PostgresLaunch {
  runner: ProcessRunner;
  paths: NativePaths;
  settings: PostgresSettings;
  resolvePackage: PackageResolver;
  serverUser: string;
  /** Looks up the user to run as, once for both servers (the S3 server runs as the same user). */
  resolveIdentity?: () => Promise<ServerIdentity | undefined>;
  stopGraceMs: number;
  databaseTimeoutMs: number;
  /** Where root keeps private copies for the server user (system-directory.ts). */
  systemDir: string;
  signal?: AbortSignal;
  /** Writes a new cluster's files to disk (flush-tree.ts); tests watch or fail it. */
  flushCluster?: (dataDir: string) => Promise<void>;
  /** Called as Postgres' processes start: initdb on a first start, then the server. */
  launched?: () => void;
}

/** Linux limits a Unix socket path to 107 bytes; postgres also creates `<socket>.lock` beside it. */
const MAX_SOCKET_PATH = 107;

/**
 * Starts the native Postgres (the caller knows none of ours is running): resolves the binaries,
 * picks the user to run as, creates the cluster on first use, clears what a crashed server left,
 * spawns the server detached, and creates POSTGRES_DB when it is not known to exist yet.
 * The state is written as soon as the process exists, so a failure later still leaves it stoppable.
 */
export async function startPostgres(launch: PostgresLaunch, state: NativeState): Promise<void> {
  const { paths, settings, runner } = launch;
  if (state.cluster && state.cluster.superuser !== settings.user) {
    throw credentialsChanged(settings.user, undefined, state.cluster.superuser);
  }
  const installed = resolvePostgresBinaries(launch.resolvePackage);
  assertBinariesUsable(await binaryProblems(installed), installed);
  await ensureSharedLibrarySymlinks(installed.nativeDir);
  const identity = await (launch.resolveIdentity?.() ?? postgresServerIdentity(runner, launch.serverUser));
  await prepareNativeDirectories(paths, identity);
  await prepareLogFile(paths, paths.postgresLog);
  // As root, what the server user cannot reach where it is (a 0700 parent like /root) is given to it elsewhere.
  const canReach = (directory: string) => !identity || findUntraversableDirectory(directory, identity) === undefined;
  const binaries = await reachableBinaries(installed, canReach, launch.systemDir);
  const placement = await placePostgresData(paths, identity, canReach, launch.systemDir);
  if (!placement.privateDir) await preparePostgresDirectories(paths, identity);
  if (identity) {
    assertTraversable(binaries.nativeDir, identity, 'the PostgreSQL binaries');
    assertTraversable(placement.dataDir, identity, 'its data directory');
  }

  if (!clusterExists(placement.dataDir)) {
    await initialiseCluster({
      runner,
      initdb: binaries.initdb,
      dataDir: placement.dataDir,
      workDir: placement.privateDir ?? paths.nativeDir,
      settings,
      identity,
      logFile: paths.postgresLog,
      ...(launch.signal ? { signal: launch.signal } : {}),
      ...(launch.launched ? { onSpawn: launch.launched } : {}),
    });
    state.cluster = { superuser: settings.user, initialisedAt: new Date().toISOString(), databases: ['postgres'], flushed: false };
    await writeNativeState(paths.stateFile, state);
  } else {
    await clearStalePostmaster(placement.dataDir, launch.stopGraceMs);
  }
  // A postgres working in this data directory (the one whose lock was just judged) keeps its socket.
  await clearStaleSocketLocks(placement.socketDir, (pid) => judgeProcess({ pid, executable: 'postgres' }, placement.dataDir) !== 'not-ours');

  // initdb's files go to disk while the server starts; a start cut short before that does it next time.
  const flushing = state.cluster?.flushed === false ? failureOf((launch.flushCluster ?? flushTree)(placement.dataDir)) : undefined;
  const startFailure = await failureOf(spawnAndOpen(launch, binaries.postgres, identity, placement, state));
  // Either way, nothing of this start still runs when it returns; its own failure comes first.
  const flushFailure = await flushing;
  if (startFailure) throw startFailure.error;
  if (flushFailure) throw flushFailed(placement.dataDir, flushFailure.error);
  if (flushing && state.cluster) {
    state.cluster = { ...state.cluster, flushed: true };
    await writeNativeState(paths.stateFile, state);
  }
}

function flushFailed(dataDir: string, cause: unknown): PrerequisiteError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PrerequisiteError(`The new PostgreSQL cluster in ${dataDir} could not be written to disk: ${reason}`, {
    hint: 'Check the disk (space, errors), then run `datalayer up` again: it flushes the cluster before it says ready.',
    cause,
  });
}

/** Spawns the server, records it, and creates POSTGRES_DB when it is not known to exist yet. */
async function spawnAndOpen(
  launch: PostgresLaunch,
  postgres: string,
  identity: ServerIdentity | undefined,
  placement: PostgresPlacement,
  state: NativeState,
): Promise<void> {
  const { paths, settings } = launch;
  const pid = await spawnServer(launch, postgres, identity, placement);
  launch.launched?.();
  const startTicks = processStartTicks(pid);
  state.services.postgres = { pid, port: settings.port, startedAt: new Date().toISOString(), ...(startTicks === undefined ? {} : { startTicks }) };
  await writeNativeState(paths.stateFile, state);

  if (!state.cluster?.databases.includes(settings.database)) {
    await ensureDatabase({
      settings,
      isServerAlive: () => judgeProcess({ pid, ...(startTicks === undefined ? { executable: 'postgres' } : { startTicks }) }, paths.postgresDataDir) !== 'not-ours',
      saysReady: () => postmasterSaysReady(placement.dataDir),
      lastLogLines: () => readLastLines(paths.postgresLog, 20),
      timeoutMs: launch.databaseTimeoutMs,
      signal: launch.signal,
    });
    // A data directory whose first user is unknown (state.json lost) is adopted by the user that just logged in.
    const cluster = state.cluster ?? { superuser: settings.user, initialisedAt: 'unknown', databases: ['postgres'] };
    state.cluster = { ...cluster, databases: [...new Set([...cluster.databases, settings.database])] };
    await writeNativeState(paths.stateFile, state);
  }
}

function spawnServer(launch: PostgresLaunch, postgres: string, identity: ServerIdentity | undefined, placement: PostgresPlacement): Promise<number> {
  const { paths, settings } = launch;
  const socketPath = `${placement.socketDir}/.s.PGSQL.${settings.port}.lock`;
  // Nothing of ours uses the socket; a host path too long for one just goes without it.
  const socketOption = socketPath.length <= MAX_SOCKET_PATH ? ['-k', placement.socketDir] : ['-c', 'unix_socket_directories='];
  return launch.runner.spawnDetached(
    postgres,
    ['-D', placement.dataDir, '-p', String(settings.port), '-c', 'listen_addresses=127.0.0.1', ...socketOption],
    {
      // Started in its data directory (it enters it anyway): how it is told apart from any other process.
      cwd: placement.dataDir,
      logFile: paths.postgresLog,
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
    },
  );
}
