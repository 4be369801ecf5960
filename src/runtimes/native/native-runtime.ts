import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, UsageError } from '../../support/errors.js';
import type { ProcessRunner } from '../../process/runner.js';
import type {
  LogOptions,
  Runtime,
  ServiceRole,
  ServiceState,
  StartOptions,
  StopOptions,
} from '../runtime.js';
import { printLogs, readLastLines, type LogWriter } from './log-files.js';
import { prepareNativeDirectories, prepareS3Directories } from './native-directories.js';
import { logFileOf, nativePaths, readNativeState, writeNativeState, type NativePaths, type NativeState, type ProcessRecord } from './native-state.js';
import { resolveInstalledPackage, type PackageResolver } from '../../process/postgres-binaries.js';
import type { PostgresSettings } from './postgres-cluster.js';
import { startPostgres } from './postgres-service.js';
import { lockHolderServesDirectory, readPostmasterLock } from './postmaster-lock.js';
import { findProcessesWithArgument, isOurProcess, isPortAccepting, terminateProcess } from './process-probe.js';
import { S3_ACCESS_KEY_VARIABLE, S3_SECRET_KEY_VARIABLE } from './s3-server-environment.js';
import { matchesS3KeyFingerprint, s3KeyFingerprint } from './s3-key-fingerprint.js';
import { DEFAULT_SERVER_USER, postgresServerIdentity, type ServerIdentity } from './system-user.js';

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
  private identity: Promise<ServerIdentity | undefined> | undefined;

  constructor(
    private readonly settings: NativeRuntimeSettings,
    private readonly dependencies: NativeRuntimeDependencies,
  ) {
    this.paths = nativePaths(settings.stateDir);
    this.runner = dependencies.runner;
    this.s3ServerScript = dependencies.s3ServerScript ?? defaultS3ServerScript();
    this.stopGraceMs = dependencies.stopGraceMs ?? 10_000;
  }

  /** Starts what is not already running; a running, answering service is left alone (no spawn). */
  async start(options: StartOptions): Promise<void> {
    const roles = selectRoles(options.services);
    const state = await readNativeState(this.paths.stateFile);
    const toStart: ServiceRole[] = [];
    let changed = false;
    for (const role of roles) {
      const verdict = this.judgeRecord(role, state.services[role]);
      if (verdict === 'keep') continue;
      if (verdict === 'replace') await this.terminate(role, state.services[role]);
      if (state.services[role]) changed = true;
      delete state.services[role];
      toStart.push(role);
    }
    if (changed) await writeNativeState(this.paths.stateFile, state);
    // The S3 server is only spawned here (no wait), so it boots while initdb and Postgres start.
    if (toStart.includes('s3')) {
      await this.stopUnrecordedS3();
      await this.startS3(state);
    }
    if (toStart.includes('postgres')) await this.startPostgres(state, options.signal);
  }

  async stop(options: StopOptions): Promise<{ deleted: string[] }> {
    const state = await readNativeState(this.paths.stateFile);
    await Promise.all(ROLES.map((role) => this.terminate(role, state.services[role])));
    await this.stopUnrecordedPostgres();
    await this.stopUnrecordedS3();
    if (options.volumes) {
      if (!existsSync(this.paths.nativeDir)) return { deleted: [] };
      await rm(this.paths.nativeDir, { recursive: true, force: true });
      return { deleted: [this.paths.nativeDir] };
    }
    if (Object.keys(state.services).length > 0) {
      state.services = {};
      await writeNativeState(this.paths.stateFile, state);
    }
    return { deleted: [] };
  }

  /** Observes only: signal 0 and a short TCP connect per service, nothing is spawned or written. */
  async services(): Promise<ServiceState[]> {
    const state = await readNativeState(this.paths.stateFile);
    return Promise.all(ROLES.map((role) => this.describe(role, state.services[role])));
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

  private async startPostgres(state: NativeState, signal: AbortSignal | undefined): Promise<void> {
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
        signal: signal ?? this.dependencies.signal,
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
    const { port, accessKey, secretKey } = this.settings.s3;
    const userArguments = identity ? ['--uid', String(identity.uid), '--gid', String(identity.gid)] : [];
    const pid = await this.runner.spawnDetached(
      this.dependencies.nodeExecutable ?? process.execPath,
      [this.s3ServerScript, '--port', String(port), '--address', '127.0.0.1', '--directory', this.paths.s3DataDir, ...userArguments],
      {
        cwd: this.paths.nativeDir,
        // The key pair goes through the environment: argv is public (ps, --verbose).
        env: { [S3_ACCESS_KEY_VARIABLE]: accessKey, [S3_SECRET_KEY_VARIABLE]: secretKey },
        logFile: this.paths.s3Log,
      },
    );
    state.services.s3 = { pid, port, startedAt: new Date().toISOString(), keyFingerprint: s3KeyFingerprint(accessKey, secretKey) };
    await writeNativeState(this.paths.stateFile, state);
  }

  /** The user both servers run as (undefined: ourselves), looked up once per runtime. */
  private serverIdentity(): Promise<ServerIdentity | undefined> {
    this.identity ??= postgresServerIdentity(this.runner, this.dependencies.serverUser ?? DEFAULT_SERVER_USER);
    return this.identity;
  }

  /** The argument that identifies our process in its command line: its data directory. */
  private identifyingArgument(role: ServiceRole): string {
    return role === 'postgres' ? this.paths.postgresDataDir : this.paths.s3DataDir;
  }

  private configuredPort(role: ServiceRole): number {
    return role === 'postgres' ? this.settings.postgres.port : this.settings.s3.port;
  }

  /**
   * keep: ours, alive, on the configured port (possibly still starting: readiness is judged later).
   * replace: ours and alive but on another port, or an S3 server started with another key pair
   * (`.env` changed). start: no record, or its pid is gone.
   */
  private judgeRecord(role: ServiceRole, record: ProcessRecord | undefined): 'keep' | 'replace' | 'start' {
    if (!record || !isOurProcess(record.pid, this.identifyingArgument(role))) return 'start';
    if (record.port !== this.configuredPort(role)) return 'replace';
    const { accessKey, secretKey } = this.settings.s3;
    return role === 's3' && !matchesS3KeyFingerprint(record.keyFingerprint, accessKey, secretKey) ? 'replace' : 'keep';
  }

  private async terminate(role: ServiceRole, record: ProcessRecord | undefined): Promise<void> {
    if (!record) return;
    const argument = this.identifyingArgument(role);
    // Postgres: SIGINT is its fast shutdown (clients disconnected, no waiting on them).
    const signal = role === 'postgres' ? 'SIGINT' : 'SIGTERM';
    await terminateProcess(record.pid, signal, this.stopGraceMs, () => isOurProcess(record.pid, argument));
  }

  /** A server on our data directory that state.json does not know of (state lost): stop it too. */
  private async stopUnrecordedPostgres(): Promise<void> {
    const lock = await readPostmasterLock(this.paths.postgresDataDir);
    if (!lock || lockHolderServesDirectory(lock, this.paths.postgresDataDir) !== true) return;
    await terminateProcess(lock.pid, 'SIGINT', this.stopGraceMs, () => lockHolderServesDirectory(lock, this.paths.postgresDataDir) === true);
  }

  /** An S3 server on our data directory without a record (state.json lost) would hold the port. */
  private async stopUnrecordedS3(): Promise<void> {
    const argument = this.paths.s3DataDir;
    await Promise.all(
      findProcessesWithArgument(argument).map((pid) => terminateProcess(pid, 'SIGTERM', this.stopGraceMs, () => isOurProcess(pid, argument))),
    );
  }

  private async describe(role: ServiceRole, record: ProcessRecord | undefined): Promise<ServiceState> {
    const base = { name: role, role, health: '' };
    if (!record) return { ...base, state: 'missing', ports: [] };
    const ports = [{ published: record.port, target: record.port }];
    const verdict = this.judgeRecord(role, record);
    if (verdict === 'start') return { ...base, state: 'exited', ports, pid: record.pid };
    // Ours and alive, but started with another port or key pair than `.env` now gives: `up` replaces it.
    if (verdict === 'replace') return { ...base, state: 'outdated', health: 'started with other settings than .env', ports, pid: record.pid };
    const accepting = await isPortAccepting(record.port);
    // Alive but not yet listening: starting up (or stuck; readiness checks decide).
    return accepting ? { ...base, state: 'running', ports, pid: record.pid } : { ...base, state: 'starting', health: 'starting', ports, pid: record.pid };
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
