import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, UsageError } from '../../support/errors.js';
import type { ProcessRunner } from '../../process/runner.js';
import type { LogOptions, Runtime, ServiceRole, ServiceState, StartOptions, StopOptions } from '../runtime.js';
import { printLogs, readLastLines, type LogWriter } from './log-files.js';
import { rotateLog } from './log-rotation.js';
import { privateDataDirOf } from './private-data.js';
import { DEFAULT_SYSTEM_DIRECTORY } from './system-directory.js';
import { prepareLogFile, prepareNativeDirectories, prepareS3Directories } from './native-directories.js';
import { logFileOf, nativePaths, readNativeState, writeNativeState, type NativePaths, type NativeState } from './native-state.js';
import { resolveInstalledPackage, type PackageResolver } from '../../process/postgres-binaries.js';
import type { PostgresSettings } from './postgres-cluster.js';
import { startPostgres } from './postgres-service.js';
import { assertNativeAccess, findServer, stopServer, type RunningServer } from './native-servers.js';
import { processStartTicks } from './process-identity.js';
import { isPortAccepting } from './process-probe.js';
import { S3_ACCESS_KEY_VARIABLE, S3_SECRET_KEY_VARIABLE } from './s3-server-environment.js';
import { matchesS3KeyFingerprint, s3KeyFingerprint } from './s3-key-fingerprint.js';
import { DEFAULT_SERVER_USER, serverIdentityFor, type ServerIdentity } from './system-user.js';
import { keepProjectOwner } from '../../support/project-owner.js';
import { failureOf, type Failure } from '../../support/failure-of.js';

export interface S3Settings {
  port: number;
  accessKey: string;
  secretKey: string;
}

/** What the native runtime is configured with: `.datalayer/` and the values of `.env`. */
export interface NativeRuntimeSettings {
  /** The host's `.datalayer/` directory. */
  stateDir: string;
  postgres: PostgresSettings;
  s3: S3Settings;
}

export interface NativeRuntimeDependencies {
  runner: ProcessRunner;
  /** The S3 server entry (compiled JavaScript); defaults to the one shipped beside this module. */
  s3ServerScript?: string;
  /** The node executable that runs it. */
  nodeExecutable?: string;
  resolvePackage?: PackageResolver;
  /** The unprivileged user Postgres runs as when datalayer runs as root. */
  serverUser?: string;
  /** Ends `logs -f` and the first-start database wait (the command's interrupt signal). */
  signal?: AbortSignal;
  /** Where `streamLogs` prints: the reporter, in the CLI. */
  output: LogWriter;
  /** How long a service gets to stop before it is killed. */
  stopGraceMs?: number;
  /** How long the first start waits for Postgres before creating POSTGRES_DB. */
  databaseTimeoutMs?: number;
  /** Where root keeps private copies for the server user (default /var/lib/datalayer; see system-directory.ts). */
  systemDir?: string;
  /** Writes a new cluster's files to disk (default flush-tree.ts). */
  flushCluster?: (dataDir: string) => Promise<void>;
}

const ROLES: readonly ServiceRole[] = ['postgres', 's3'];
/** Compose service names accepted for the native services, so `--services` reads the same with both runtimes. */
const ROLE_ALIASES: Record<string, ServiceRole> = { postgres: 'postgres', s3: 's3', localstack: 's3' };

export function defaultS3ServerScript(): string {
  return fileURLToPath(new URL('./s3-server-main.js', import.meta.url));
}

/** PostgreSQL 16 and an S3-compatible server as detached background processes, without Docker. */
export class NativeRuntime implements Runtime {
  readonly kind = 'native' as const;
  readonly paths: NativePaths;
  private readonly runner: ProcessRunner;
  private readonly s3ServerScript: string;
  private readonly stopGraceMs: number;
  private readonly systemDir: string;
  private identity: Promise<ServerIdentity | undefined> | undefined;
  private logsRotated = false;

  constructor(
    private readonly settings: NativeRuntimeSettings,
    private readonly dependencies: NativeRuntimeDependencies,
  ) {
    this.paths = nativePaths(settings.stateDir);
    this.runner = dependencies.runner;
    this.s3ServerScript = dependencies.s3ServerScript ?? defaultS3ServerScript();
    this.stopGraceMs = dependencies.stopGraceMs ?? 10_000;
    this.systemDir = dependencies.systemDir ?? DEFAULT_SYSTEM_DIRECTORY;
  }

  /** Starts what is not already running; a running, answering service is left alone (no spawn). */
  async start(options: StartOptions): Promise<void> {
    const roles = selectRoles(options.services);
    assertNativeAccess(this.paths);
    await this.rotateLogs();
    const state = await readNativeState(this.paths.stateFile);
    const toStart: ServiceRole[] = [];
    let changed = false;
    for (const role of roles) {
      const server = await findServer(this.paths, role, state.services[role]);
      const verdict = this.judge(role, server);
      if (verdict === 'keep') continue;
      if (server) await stopServer(server, this.stopGraceMs);
      if (state.services[role]) changed = true;
      delete state.services[role];
      toStart.push(role);
    }
    if (changed) await writeNativeState(this.paths.stateFile, state);
    if (!toStart.includes('postgres')) {
      if (toStart.includes('s3')) await this.startS3(state);
      return;
    }
    // Postgres is the long path (initdb, then the server): its first process spawns first, and the
    // S3 server (only spawned here, no wait) right after it, to boot while initdb and Postgres run.
    // A Postgres start that fails before any process of it runs (or is interrupted) starts no S3 server.
    const signal = options.signal ?? this.dependencies.signal;
    let s3: Promise<Failure | undefined> | undefined;
    const startS3 = () => {
      if (toStart.includes('s3') && !signal?.aborted) s3 ??= failureOf(this.startS3(state));
    };
    const postgresFailure = await failureOf(this.startPostgres(state, signal, startS3));
    const s3Failure = await s3;
    const failure = s3Failure ?? postgresFailure;
    if (failure) throw failure.error;
  }

  /** Stops this project's servers, found from their data directories whatever its records say. */
  async stop(options: StopOptions): Promise<{ deleted: string[] }> {
    assertNativeAccess(this.paths);
    const state = await readNativeState(this.paths.stateFile);
    const servers = await this.runningServers(state);
    await Promise.all(servers.map((server) => stopServer(server, this.stopGraceMs)));
    const foreign = servers.filter((server) => !server.controllable);
    if (foreign.length > 0) {
      throw new PrerequisiteError(`The ${foreign.map((server) => `${server.role} server (pid ${server.pid})`).join(' and ')} of this project runs as another user, whom ${process.env.USER ?? 'this user'} may not signal.`, {
        hint: 'Run `datalayer down` with `sudo`, as the user who started it.',
        data: { pids: foreign.map((server) => server.pid) },
      });
    }
    if (options.volumes) {
      if (!existsSync(this.paths.nativeDir)) return { deleted: [] };
      // Postgres' data kept outside the project for the server user (private-data.ts) goes too; a copied project's link is refused there.
      const privateDir = await privateDataDirOf(this.paths, this.systemDir);
      if (privateDir) await rm(privateDir, { recursive: true, force: true });
      await rm(this.paths.nativeDir, { recursive: true, force: true });
      return { deleted: [this.paths.nativeDir, ...(privateDir ? [privateDir] : [])] };
    }
    if (Object.keys(state.services).length > 0) {
      state.services = {};
      await writeNativeState(this.paths.stateFile, state);
    }
    return { deleted: [] };
  }

  /**
   * A few /proc reads and a short TCP connect per service; nothing is spawned. The one write: a log
   * over its size limit is rotated (once per command), so that logs are kept in check whenever
   * datalayer looks at the services.
   */
  async services(): Promise<ServiceState[]> {
    assertNativeAccess(this.paths);
    await this.rotateLogs();
    const state = await readNativeState(this.paths.stateFile);
    return Promise.all(ROLES.map(async (role) => this.describe(role, await findServer(this.paths, role, state.services[role]), state)));
  }

  async lastLogLines(service: string, lines: number): Promise<string[]> {
    return readLastLines(logFileOf(this.paths, roleOf(service)), lines);
  }

  /** Prints the logs to the output writer; with `follow`, until the signal aborts. Returns the exit code. */
  async streamLogs(services: string[], options: LogOptions & { signal?: AbortSignal }): Promise<number> {
    const roles = services.length === 0 ? ROLES : [...new Set(services.map(roleOf))];
    const sources = roles.map((role) => ({ name: role, file: logFileOf(this.paths, role) }));
    await printLogs(sources, { ...options, signal: options.signal ?? this.dependencies.signal }, this.dependencies.output);
    return 0;
  }

  private async startPostgres(state: NativeState, signal: AbortSignal | undefined, launched: () => void): Promise<void> {
    await startPostgres(
      {
        runner: this.runner,
        paths: this.paths,
        settings: this.settings.postgres,
        resolvePackage: this.dependencies.resolvePackage ?? resolveInstalledPackage,
        serverUser: this.dependencies.serverUser ?? DEFAULT_SERVER_USER,
        resolveIdentity: () => this.serverIdentity(),
        stopGraceMs: this.stopGraceMs,
        databaseTimeoutMs: this.dependencies.databaseTimeoutMs ?? 60_000,
        systemDir: this.systemDir,
        signal: signal ?? this.dependencies.signal,
        ...(this.dependencies.flushCluster ? { flushCluster: this.dependencies.flushCluster } : {}),
        launched,
      },
      state,
    );
  }

  private async startS3(state: NativeState): Promise<void> {
    if (!existsSync(this.s3ServerScript)) {
      throw new PrerequisiteError(`The S3 server program ${this.s3ServerScript} is missing.`, {
        hint: 'Reinstall datalayer (the package ships it in dist/), or build it with `npm run build`.',
      });
    }
    // As root, the S3 server runs as the same unprivileged user as Postgres: it starts as root and
    // becomes that user before it opens its directory or reads a request.
    const identity = await this.serverIdentity();
    await prepareNativeDirectories(this.paths, identity);
    await prepareS3Directories(this.paths, identity);
    await prepareLogFile(this.paths, this.paths.s3Log);
    const { port, accessKey, secretKey } = this.settings.s3;
    const userArguments = identity ? ['--uid', String(identity.uid), '--gid', String(identity.gid)] : [];
    const pid = await this.runner.spawnDetached(
      this.dependencies.nodeExecutable ?? process.execPath,
      [this.s3ServerScript, '--port', String(port), '--address', '127.0.0.1', '--directory', this.paths.s3DataDir, ...userArguments],
      {
        // Started in its directory: that is how it is told apart from any other process (process-identity.ts).
        cwd: this.paths.s3DataDir,
        // The key pair goes through the environment: argv is public (ps, --verbose).
        env: { [S3_ACCESS_KEY_VARIABLE]: accessKey, [S3_SECRET_KEY_VARIABLE]: secretKey },
        logFile: this.paths.s3Log,
      },
    );
    const startTicks = processStartTicks(pid);
    state.services.s3 = {
      pid,
      port,
      startedAt: new Date().toISOString(),
      ...(startTicks === undefined ? {} : { startTicks }),
      keyFingerprint: s3KeyFingerprint(accessKey, secretKey),
    };
    await writeNativeState(this.paths.stateFile, state);
  }

  /** Rotates the servers' logs that are over the limit, once per command (log-rotation.ts). */
  private async rotateLogs(): Promise<void> {
    if (this.logsRotated) return;
    this.logsRotated = true;
    await Promise.all(
      [this.paths.postgresLog, this.paths.s3Log].map(async (file) => {
        try {
          if (await rotateLog(file)) await keepProjectOwner(this.paths.stateDir, `${file}.1`);
        } catch (error) {
          // Another user's project (read by `status`): its logs are not ours to rotate.
          if (!['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
        }
      }),
    );
  }

  /** The user both servers run as (undefined: ourselves), looked up once per runtime. */
  private serverIdentity(): Promise<ServerIdentity | undefined> {
    this.identity ??= serverIdentityFor(this.runner, this.paths, this.dependencies.serverUser ?? DEFAULT_SERVER_USER);
    return this.identity;
  }

  private configuredPort(role: ServiceRole): number {
    return role === 'postgres' ? this.settings.postgres.port : this.settings.s3.port;
  }

  /** The servers of this project that run now. */
  private async runningServers(state: NativeState): Promise<RunningServer[]> {
    const found = await Promise.all(ROLES.map((role) => findServer(this.paths, role, state.services[role])));
    return found.filter((server): server is RunningServer => server !== undefined);
  }

  /**
   * keep: ours, alive, on the configured port (possibly still starting: readiness is judged later).
   * replace: ours and alive but on another port, or an S3 server started with another key pair
   * (`.env` changed). start: nothing of ours runs.
   */
  private judge(role: ServiceRole, server: RunningServer | undefined): 'keep' | 'replace' | 'start' {
    if (!server) return 'start';
    if (server.port !== undefined && server.port !== this.configuredPort(role)) return 'replace';
    const { accessKey, secretKey } = this.settings.s3;
    return role === 's3' && !matchesS3KeyFingerprint(server.keyFingerprint, accessKey, secretKey) ? 'replace' : 'keep';
  }

  private async describe(role: ServiceRole, server: RunningServer | undefined, state: NativeState): Promise<ServiceState> {
    const base = { name: role, role, health: '' };
    const record = state.services[role];
    if (!server) return record ? { ...base, state: 'exited', ports: [{ published: record.port, target: record.port }], pid: record.pid } : { ...base, state: 'missing', ports: [] };
    const port = server.port ?? this.configuredPort(role);
    const ports = [{ published: port, target: port }];
    // Ours and alive, but started with another port or key pair than `.env` now gives: `up` replaces it.
    if (this.judge(role, server) === 'replace') return { ...base, state: 'outdated', health: 'started with other settings than .env', ports, pid: server.pid };
    const accepting = await isPortAccepting(port);
    // Alive but not yet listening: starting up (or stuck; readiness checks decide).
    return accepting ? { ...base, state: 'running', ports, pid: server.pid } : { ...base, state: 'starting', health: 'starting', ports, pid: server.pid };
  }
}

function roleOf(service: string): ServiceRole {
  const role = ROLE_ALIASES[service];
  if (!role) {
    throw new UsageError(`Unknown service ${service} for the native runtime.`, {
      hint: `The native services are ${ROLES.join(' and ')}.`,
    });
  }
  return role;
}

function selectRoles(services: string[] | undefined): ServiceRole[] {
  if (!services || services.length === 0) return [...ROLES];
  return [...new Set(services.map(roleOf))];
}
