import { InterruptedError, UsageError } from '../../support/errors.js';
import type { ProcessRunner, RunResult } from '../../process/runner.js';
import { stripControlSequences } from '../../report/control-sequences.js';
import type { Reporter } from '../../report/reporter.js';
import type {
  LogOptions,
  Runtime,
  ServiceRole,
  ServiceState,
  StartOptions,
  StopOptions,
} from '../runtime.js';
import { composeArgv, type ComposeTarget } from './compose-args.js';
import { composeWarnings, isComposeWarningLine } from './compose-warnings.js';
import { composeFailure } from './docker-errors.js';
import { daemonCli, type ComposeEngine } from './engine.js';
import type { DockerEngineApi } from './engine-api.js';
import { routeWithEngine, type DockerRoute } from './docker-route.js';
import { parseComposePs, toServiceState, type ContainerInfo } from './ps.js';

export interface ComposeRuntimeOptions extends ComposeTarget {
  runner: ProcessRunner;
  /** The engine, or how to find it when a compose call is first made (states alone come from `engineApi`). */
  engine: ComposeEngine | (() => Promise<ComposeEngine>);
  /**
   * The daemon's API, proven by the last `up` to serve this project: states and container runs are
   * read there (no process); Compose still starts, stops and prints logs. On any API failure the
   * CLI is asked instead, so a broken socket only costs time, never a wrong answer.
   */
  engineApi?: DockerEngineApi;
  /** How `engineApi` was reached (socket, client, the plugin's version), to keep in the runtime record. */
  engineRoute?: DockerRoute;
  /**
   * Given when `engine` is what the last `up` recorded on this route (the `docker compose` plugin
   * and its version) rather than detected now: finds the engine afresh for a call whose output goes
   * straight to the user, or when a call finds the plugin gone (then made again on what it finds).
   */
  redetect?: () => Promise<ComposeEngine>;
  /** Receives the warnings Compose prints (e.g. a variable not set); silent without one. */
  reporter?: Pick<Reporter, 'warn'>;
  /**
   * Environment for every compose call, merged over the inherited one by the runner. Compose reads
   * the shell environment before `--env-file`, so this is also how a caller overrides a value;
   * `PATH` here decides which `docker` is run.
   */
  env?: Record<string, string | undefined>;
  /** Aborts every call (Ctrl-C); a method's own signal takes precedence. */
  signal?: AbortSignal;
  /** Maps a compose service onto the role datalayer cares about (postgres / s3). */
  roleOf?: (service: string) => ServiceRole | undefined;
  /** Output goes to a pipe, a file or a CI log: streamed logs lose colors and terminal codes. */
  plainOutput?: boolean;
  /**
   * The services the compose file declares, when the caller has read the file already: saves a
   * `config --services` call (most of a second) on every command.
   */
  declaredServices?: string[];
}

// Compose's hint to pass --remove-orphans: the host's own compose file shares this project name
// and its app containers look like orphans from here, so the advice would destroy them.
const ORPHAN_WARNING = /Found orphan containers/;

/**
 * Docker Compose as a Runtime. Readiness is not Compose's job here: `up -d` without `--wait`
 * (which proves nothing without healthchecks and fails on one-shot containers); the caller polls
 * `services()` and the services themselves.
 */
export class ComposeRuntime implements Runtime {
  readonly kind = 'docker' as const;
  private options: ComposeRuntimeOptions;
  private defined: Promise<string[]> | undefined;
  private found: Promise<ComposeEngine> | undefined;

  constructor(options: ComposeRuntimeOptions) {
    this.options = options;
  }

  /** The Compose engine, detected on first use when it was not given. */
  engine(): Promise<ComposeEngine> {
    const given = this.options.engine;
    this.found ??= typeof given === 'function' ? given() : Promise.resolve(given);
    return this.found;
  }

  /** The route to the daemon's API, when states are read there rather than with `compose ps`. */
  get engineRoute(): DockerRoute | undefined {
    return this.options.engineApi ? this.options.engineRoute : undefined;
  }

  /** From now on, states are read through this API: it was just proven to list what `compose ps` lists. */
  adoptEngineApi(engineApi: DockerEngineApi, engineRoute: DockerRoute): void {
    this.options = { ...this.options, engineApi, engineRoute };
  }

  get project(): string {
    return this.options.project;
  }

  /**
   * `up -d`, never `--remove-orphans`: containers of the same project that this file does not
   * declare belong to the host's own compose file (the app), not to us.
   */
  async start(options: StartOptions): Promise<void> {
    const services = checkServiceNames(options.services ?? []);
    const result = await this.compose(['up', '-d', ...services], options.signal);
    await this.failUnlessOk(result, 'up');
    this.relayWarnings(result.stderr);
  }

  /** `down` keeps bind-mounted data (Compose never removes bind mounts); those are the caller's. */
  async stop(options: StopOptions): Promise<{ deleted: string[] }> {
    const result = await this.compose(['down', ...(options.volumes ? ['-v'] : [])]);
    await this.failUnlessOk(result, 'down');
    this.relayWarnings(result.stderr);
    return { deleted: [] };
  }

  /**
   * The services of this compose file with their containers' state; a declared service without a
   * container is `missing`. Containers of services the file does not declare are left out.
   */
  async services(): Promise<ServiceState[]> {
    const containers = await this.containers();
    const declared = await this.definedServices();
    const states: ServiceState[] = [];
    for (const service of declared) {
      const own = containers.filter((container) => container.service === service);
      if (own.length === 0) states.push(this.missing(service));
      for (const container of own) states.push(toServiceState(container, this.options.roleOf));
    }
    return states;
  }

  /** The project's containers: from the API when there is one that answers, else `compose ps`. */
  async containers(options: { viaCli?: boolean } = {}): Promise<ContainerInfo[]> {
    const api = this.options.engineApi;
    if (api && !options.viaCli) {
      const listed = await api.projectContainers(this.options.project, this.options.signal).catch(() => undefined);
      if (listed) return listed;
    }
    const result = await this.compose(['ps', '-a', '--format', 'json']);
    await this.failUnlessOk(result, 'ps');
    return parseComposePs(result.stdout);
  }

  /** The service names the compose file declares (given, or `config --services`), read once. */
  definedServices(): Promise<string[]> {
    if (this.options.declaredServices) return Promise.resolve(this.options.declaredServices);
    this.defined ??= this.compose(['config', '--services']).then(async (result) => {
      await this.failUnlessOk(result, 'config');
      return result.stdout
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
    });
    return this.defined;
  }

  /**
   * Which run of a service's container this is (its id and start time): the same string until the
   * container is recreated or restarted. Undefined when it has no running container.
   */
  async instanceOf(service: string): Promise<string | undefined> {
    const container = (await this.services()).find((state) => state.name === service && state.state === 'running')?.container;
    if (!container) return undefined;
    const fromApi = await this.options.engineApi?.instance(container, this.options.signal).catch(() => undefined);
    if (fromApi) return fromApi;
    const result = await this.options.runner.run(daemonCli(await this.engine()), ['inspect', '--format', '{{.Id}} {{.State.StartedAt}}', container], {
      env: this.options.env,
      signal: this.options.signal,
    });
    // An engine that cannot say (an old or partial CLI) leaves the instance unknown, which only
    // makes the saved copy keep objects it might have dropped: the safe side.
    if (result.exitCode !== 0 || result.notFound) return undefined;
    return result.stdout.trim() || undefined;
  }

  /** Container output goes to stdout and stderr separately; both are kept, Compose's own warnings dropped. */
  async lastLogLines(service: string, lines: number): Promise<string[]> {
    const [name] = checkServiceNames([service]);
    const result = await this.compose(['logs', '--no-color', '--tail', String(lines), name as string]);
    await this.failUnlessOk(result, 'logs');
    const output = [...result.stdout.split(/\r?\n/), ...result.stderr.split(/\r?\n/).filter((line) => !isComposeWarningLine(line))];
    // These lines end up in error messages: never with Compose's terminal codes.
    return output.map(stripControlSequences).filter((line) => line.trim() !== '').slice(-lines);
  }

  /**
   * Straight to the terminal; the exit code is Compose's (130 after Ctrl-C on `-f`). Elsewhere
   * without colors, and each line without the terminal codes Compose writes even into a pipe.
   */
  async streamLogs(services: string[], options: LogOptions): Promise<number> {
    const plain = this.options.plainOutput === true;
    const args = [
      'logs',
      ...(plain ? ['--no-color'] : []),
      ...(options.follow ? ['-f'] : []),
      ...(options.tail === undefined ? [] : ['--tail', String(options.tail)]),
      ...checkServiceNames(services),
    ];
    const result = await this.compose(args, undefined, 'inherit', plain ? stripControlSequences : undefined);
    if (result.notFound) throw composeFailure(result, await this.label('logs'), daemonCli(await this.engine()));
    return result.exitCode;
  }

  private async compose(subcommand: string[], signal?: AbortSignal, stdio: 'pipe' | 'inherit' = 'pipe', transformLine?: (line: string) => string): Promise<RunResult> {
    // Output the user reads as it comes cannot be taken back and run again: it gets an engine found now.
    if (stdio === 'inherit') await this.detectAfresh();
    const call = async () => {
      const { file, args } = composeArgv(await this.engine(), this.options, subcommand);
      const abort = signal ?? this.options.signal;
      const result = await this.options.runner.run(file, args, { env: this.options.env, signal: abort, stdio, ...(transformLine ? { transformLine } : {}) });
      if (abort?.aborted) throw new InterruptedError();
      return result;
    };
    const result = await call();
    if (!this.options.redetect || (result.exitCode === 0 && !result.notFound)) return result;
    // A failure on the plugin the last `up` used may be the plugin gone (a docker CLI without it
    // reads `compose -p` as its own unknown flag; its executable, run directly, is not found): the
    // engine found now decides. The same plugin means the failure is Compose's own; another engine
    // (a standalone docker-compose), or the plugin found elsewhere, takes the call again; none at
    // all throws the reason.
    const before = await this.engine();
    await this.detectAfresh();
    const now = await this.engine();
    return !result.notFound && now.command.join(' ') === before.command.join(' ') && now.version === before.version ? result : call();
  }

  /** Replaces a recorded engine with one found now, and keeps what was found for the runtime record. */
  private async detectAfresh(): Promise<void> {
    const { redetect } = this.options;
    if (!redetect) return;
    this.options = { ...this.options, redetect: undefined };
    this.found = redetect();
    const engine = await this.found;
    if (this.options.engineRoute) this.options = { ...this.options, engineRoute: routeWithEngine(this.options.engineRoute, engine) };
  }

  private async failUnlessOk(result: RunResult, subcommand: string): Promise<void> {
    if (result.exitCode !== 0 || result.notFound) {
      throw composeFailure(result, await this.label(subcommand), daemonCli(await this.engine()));
    }
  }

  private relayWarnings(stderr: string): void {
    for (const warning of composeWarnings(stderr)) {
      if (!ORPHAN_WARNING.test(warning)) this.options.reporter?.warn(`compose: ${warning}`);
    }
  }

  private async label(subcommand: string): Promise<string> {
    return `${(await this.engine()).command.join(' ')} ${subcommand}`;
  }

  private missing(service: string): ServiceState {
    const role = this.options.roleOf?.(service);
    return { name: service, ...(role === undefined ? {} : { role }), state: 'missing', health: '', ports: [] };
  }
}

/** Service names reach Compose's argv; one starting with `-` would be read as an option. */
function checkServiceNames(services: readonly string[]): string[] {
  for (const service of services) {
    if (service === '' || service.startsWith('-')) {
      throw new UsageError(`"${service}" is not a service name.`, {
        hint: 'Name services as in the compose file, e.g. `postgres`, `localstack`.',
      });
    }
  }
  return [...services];
}
