import path from 'node:path';
import { InterruptedError, PrerequisiteError } from '../../support/errors.js';
import type { ProcessRunner, RunResult } from '../../process/runner.js';
import {
  classifyDockerError,
  daemonDownError,
  lastLines,
  permissionDeniedError,
  RUNTIME_NATIVE_HINT,
} from './docker-errors.js';

export { classifyDockerError, type DockerErrorKind } from './docker-errors.js';

/** A Compose implementation found on this machine and how to call it. */
export interface ComposeEngine {
  /** The argv prefix: `['docker', 'compose']`, `['docker-compose']` or `['podman', 'compose']`. */
  command: string[];
  /**
   * The `docker compose` plugin's own executable, as `docker info` named it: run directly, a call
   * starts one process where `docker compose` starts three (the docker CLI, the plugin asked for
   * its metadata, then the plugin). Compose v2 run this way behaves as the plugin does.
   */
  plugin?: string;
  /** Without a leading `v`, e.g. `2.29.1`, `5.0.0`, `2.29.1-desktop.1`; `unknown` if unreadable. */
  version: string;
  major: number;
  /** Things the user should know (old or untested version), said once by the caller. */
  warnings: string[];
}

/**
 * How every docker call is made. `env` is merged over the inherited environment by the runner;
 * it is also where `PATH` decides which `docker` is found (tests put a fake first).
 */
export interface DockerCallOptions {
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** The docker CLI's Compose plugin, the first of the candidates. */
export const PLUGIN_COMMAND = ['docker', 'compose'] as const;

/** Tried in this order: the `docker compose` plugin, then a standalone `docker-compose`, then `podman compose`. */
export const ENGINE_CANDIDATES: readonly (readonly string[])[] = [PLUGIN_COMMAND, ['docker-compose'], ['podman', 'compose']];

const VERSION = String.raw`v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]+)?`;
const BARE_VERSION_LINE = new RegExp(`^${VERSION}$`);
const NAMED_VERSION = new RegExp(String.raw`compose version:?\s+(${VERSION})`, 'i');

export interface ComposeVersion {
  version: string;
  major: number;
}

/**
 * Reads a Compose version from `version --short` (`2.29.1`, `v2.1.0`, `5.0.0`, `1.29.2`) or from
 * plain `version` (`Docker Compose version v2.29.1`, `docker-compose version 1.29.2, build x`).
 */
export function parseComposeVersion(text: string): ComposeVersion | undefined {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (BARE_VERSION_LINE.test(trimmed)) return toComposeVersion(trimmed);
  }
  const named = NAMED_VERSION.exec(text);
  return named?.[1] ? toComposeVersion(named[1]) : undefined;
}

function toComposeVersion(raw: string): ComposeVersion {
  const version = raw.replace(/^v/, '');
  return { version, major: Number(version.split('.')[0]) };
}

/**
 * Docker's Compose 1.x (the Python docker-compose, end of life since 2023, still Debian 12's
 * package) cannot run the data layer: its `ps` has no JSON output, it names containers
 * `project_service_1` where the host's own Compose v2 expects `project-service-1`, and it does not
 * know the `include:` with which an OpenRAG host pulls in the data layer. podman-compose also
 * numbers its releases 1.x; that is another program, and is not refused.
 */
export function isLegacyCompose(command: readonly string[], version: ComposeVersion): boolean {
  return command[0] !== 'podman' && version.major === 1;
}

/** 2.x and 5.x are supported (and podman-compose 1.x); anything else is untested. */
export function composeVersionWarnings(command: readonly string[], version: ComposeVersion): string[] {
  if (version.major === 2 || version.major === 5 || version.major === 1) return [];
  return [`\`${command.join(' ')}\` is Compose ${version.version}, a version datalayer has not been tested with.`];
}

type Probe = { engine: ComposeEngine } | { missing: string };

async function runVersion(runner: ProcessRunner, command: readonly string[], extra: string[], options: DockerCallOptions) {
  const [file, ...prefix] = command as [string, ...string[]];
  const result = await runner.run(file, [...prefix, 'version', ...extra], { env: options.env, signal: options.signal });
  if (options.signal?.aborted) throw new InterruptedError();
  return result;
}

function engineFrom(command: readonly string[], result: RunResult): ComposeEngine {
  const parsed = parseComposeVersion(result.stdout);
  if (!parsed) {
    return {
      command: [...command],
      version: 'unknown',
      major: 0,
      warnings: [`Could not read the version printed by \`${command.join(' ')} version\`.`],
    };
  }
  return { command: [...command], ...parsed, warnings: composeVersionWarnings(command, parsed) };
}

/** Asks one candidate for its version; `--short` first, plain `version` when the flag is refused. */
async function probeEngine(runner: ProcessRunner, command: readonly string[], options: DockerCallOptions): Promise<Probe> {
  const short = await runVersion(runner, command, ['--short'], options);
  if (short.notFound) return { missing: `\`${command[0]}\` not found` };
  if (short.exitCode === 0 && parseComposeVersion(short.stdout)) return { engine: engineFrom(command, short) };
  if (classifyDockerError(short.stderr) === 'plugin-missing') return { missing: 'the compose plugin is not installed' };
  // `--short` is refused by old engines, and by a docker CLI without the plugin (exit 125,
  // `unknown flag: --short`) before it would say the plugin is missing.
  const plain = await runVersion(runner, command, [], options);
  if (plain.exitCode === 0) return { engine: engineFrom(command, plain) };
  if (classifyDockerError(plain.stderr) === 'plugin-missing') return { missing: 'the compose plugin is not installed' };
  const said = lastLines(plain.stderr || plain.stdout, 1)[0] ?? '';
  return { missing: `\`version\` failed (exit ${plain.exitCode})${said ? `: ${said}` : ''}` };
}

/** Finds the first working Compose among `docker compose`, `docker-compose`, `podman compose`. */
export async function detectComposeEngine(runner: ProcessRunner, options: DockerCallOptions = {}): Promise<ComposeEngine> {
  const tried: string[] = [];
  let legacy: string | undefined;
  for (const command of ENGINE_CANDIDATES) {
    const probe = await probeEngine(runner, command, options);
    if ('engine' in probe && !isLegacyCompose(command, probe.engine)) return probe.engine;
    if ('engine' in probe) {
      legacy ??= `\`${command.join(' ')}\` is Compose ${probe.engine.version}`;
      tried.push(`${command.join(' ')}: Compose ${probe.engine.version}, too old`);
    } else {
      tried.push(`${command.join(' ')}: ${probe.missing}`);
    }
  }
  if (legacy) {
    throw new PrerequisiteError(
      `${legacy}, which datalayer cannot use: it needs Compose v2 or later (1.x has no JSON output for \`ps\`, ` +
        'names containers differently from the Compose v2 of the host, and does not know `include:`).',
      {
        hint:
          'Install the Compose v2 plugin, so that `docker compose version` answers 2.x (https://docs.docker.com/compose/install/linux/; ' +
          `Debian 12's docker-compose package is the old 1.29), ${RUNTIME_NATIVE_HINT}.`,
        data: { triedEngines: tried },
      },
    );
  }
  throw new PrerequisiteError(`No Docker Compose found.\n${tried.map((line) => `  ${line}`).join('\n')}`, {
    hint:
      'Install Docker with its Compose plugin (https://docs.docker.com/compose/install/) or the standalone ' +
      `\`docker-compose\`, ${RUNTIME_NATIVE_HINT}.`,
    data: { triedEngines: ENGINE_CANDIDATES.map((command) => command.join(' ')) },
  });
}

/** The CLI that talks to the daemon behind an engine (`docker-compose` uses the docker daemon). */
export function daemonCli(engine: Pick<ComposeEngine, 'command'>): 'docker' | 'podman' {
  return engine.command[0] === 'podman' ? 'podman' : 'docker';
}

/**
 * `docker info`'s format: the daemon's version on the first line (empty when it does not answer),
 * then the compose plugin the CLI runs for `docker compose`, when it has a valid one.
 */
export const DOCKER_INFO_FORMAT =
  '{{.ServerVersion}}{{range .ClientInfo.Plugins}}{{if and (eq .Name "compose") (not .Err)}}' +
  '{{"\\n"}}compose-plugin{{"\\t"}}{{.Version}}{{"\\t"}}{{.Path}}{{end}}{{end}}';

/** Asks the daemon's CLI for its server version (and, docker, for its compose plugin). */
async function askDaemon(runner: ProcessRunner, cli: 'docker' | 'podman', options: DockerCallOptions): Promise<RunResult> {
  const ask = async (format: string) => {
    const result = await runner.run(cli, ['info', '--format', format], { env: options.env, signal: options.signal });
    if (options.signal?.aborted) throw new InterruptedError();
    return result;
  };
  if (cli === 'podman') return ask('{{.Version.Version}}');
  const result = await ask(DOCKER_INFO_FORMAT);
  // A client whose `info` knows no plugins refuses the template: its version alone, then.
  if (result.exitCode !== 0 && /can't evaluate field (ClientInfo|Plugins|Name|Path|Err)/.test(result.stderr)) return ask('{{.ServerVersion}}');
  return result;
}

/**
 * The compose plugin `docker info` named, as an engine whose calls run its executable; undefined
 * when it named none this way can use (none, or a version datalayer would refuse).
 */
export function pluginEngineFrom(infoStdout: string): ComposeEngine | undefined {
  for (const line of infoStdout.split(/\r?\n/)) {
    const [tag, raw, ...rest] = line.split('\t');
    const file = rest.join('\t');
    if (tag !== 'compose-plugin' || raw === undefined || !path.isAbsolute(file)) continue;
    const version = parseComposeVersion(raw);
    return version && pluginEngineOf(version, file);
  }
  return undefined;
}

/**
 * The `docker compose` plugin of a known version as an engine, its calls run through `plugin` (its
 * executable) when given; undefined for a version datalayer refuses.
 */
export function pluginEngineOf(version: ComposeVersion, plugin?: string): ComposeEngine | undefined {
  if (isLegacyCompose(PLUGIN_COMMAND, version)) return undefined;
  return { command: [...PLUGIN_COMMAND], ...(plugin === undefined ? {} : { plugin }), ...version, warnings: composeVersionWarnings(PLUGIN_COMMAND, version) };
}

/** The daemon's answer to `info`: its version, or a PrerequisiteError (exit 4) that says how to start it. */
function daemonAnswer(cli: 'docker' | 'podman', result: RunResult): { serverVersion: string } {
  if (result.notFound) {
    throw new PrerequisiteError(`\`${cli}\` is not found on PATH; it is needed to reach the daemon.`, {
      hint: `Install the ${cli} CLI, ${RUNTIME_NATIVE_HINT}.`,
      data: { engineDown: true },
    });
  }
  const serverVersion = result.stdout.split(/\r?\n/)[0]?.trim() ?? '';
  if (result.exitCode === 0 && serverVersion !== '') return { serverVersion };
  const kind = classifyDockerError(result.stderr);
  if (kind === 'daemon-down') throw daemonDownError(cli);
  if (kind === 'permission-denied') throw permissionDeniedError();
  const said = lastLines(result.stderr, 3).join(' ');
  throw new PrerequisiteError(`\`${cli} info\` failed (exit ${result.exitCode})${said ? `: ${said}` : ''}.`, {
    hint: `Check that the ${cli} daemon is running, ${RUNTIME_NATIVE_HINT}.`,
  });
}

/** Proves the daemon answers; throws a PrerequisiteError (exit 4) that says how to start it. */
export async function checkDaemon(
  runner: ProcessRunner,
  engine: Pick<ComposeEngine, 'command'>,
  options: DockerCallOptions = {},
): Promise<{ serverVersion: string }> {
  const cli = daemonCli(engine);
  return daemonAnswer(cli, await askDaemon(runner, cli, options));
}

/**
 * An engine, where the docker daemon has just answered through its API (the route the last `up`
 * proved): only a Compose of another daemon (podman's) has that daemon asked.
 */
export async function detectEngineBesideAnsweringDocker(runner: ProcessRunner, options: DockerCallOptions = {}): Promise<ComposeEngine> {
  const engine = await detectComposeEngine(runner, options);
  if (daemonCli(engine) !== 'docker') await checkDaemon(runner, engine, options);
  return engine;
}

/**
 * An engine and a daemon that answers. `docker info` answers both for the docker plugin (its
 * version and its executable), so that the engine is asked nothing; the other engines are looked
 * for after it (podman's daemon asked once podman is the engine).
 */
export async function detectEngineAndDaemon(
  runner: ProcessRunner,
  options: DockerCallOptions = {},
): Promise<{ engine: ComposeEngine; serverVersion: string }> {
  const info = await askDaemon(runner, 'docker', options);
  const engine = (info.notFound ? undefined : pluginEngineFrom(info.stdout)) ?? (await detectComposeEngine(runner, options));
  if (daemonCli(engine) !== 'docker') return { engine, ...(await checkDaemon(runner, engine, options)) };
  return { engine, ...daemonAnswer('docker', info) };
}

export type DockerProbe =
  | { available: true; engine: ComposeEngine; serverVersion: string }
  | { available: false; reason: PrerequisiteError };

/** For `--runtime auto`: an engine and a daemon that answers, or why not (never throws for those). */
export async function probeDocker(runner: ProcessRunner, options: DockerCallOptions = {}): Promise<DockerProbe> {
  try {
    const { engine, serverVersion } = await detectEngineAndDaemon(runner, options);
    return { available: true, engine, serverVersion };
  } catch (error) {
    // A missing engine or a stopped daemon is the answer "no"; anything else is a real failure.
    if (error instanceof PrerequisiteError) return { available: false, reason: error };
    throw error;
  }
}

export async function isDockerAvailable(runner: ProcessRunner, options: DockerCallOptions = {}): Promise<boolean> {
  return (await probeDocker(runner, options)).available;
}
