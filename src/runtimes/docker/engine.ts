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

/** Tried in this order, as the contract says. */
export const ENGINE_CANDIDATES: readonly (readonly string[])[] = [['docker', 'compose'], ['docker-compose'], ['podman', 'compose']];

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

/** 2.x and 5.x are supported; 1.x works with a warning; anything else is untested. */
export function composeVersionWarnings(command: readonly string[], version: ComposeVersion): string[] {
  const label = command.join(' ');
  if (version.major === 2 || version.major === 5) return [];
  if (version.major === 1) {
    return [
      `\`${label}\` is Compose ${version.version}, which is end-of-life (its \`ps\` has no JSON output); ` +
        'install the Compose v2 plugin (`docker compose`).',
    ];
  }
  return [`\`${label}\` is Compose ${version.version}, a version datalayer has not been tested with.`];
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
  for (const command of ENGINE_CANDIDATES) {
    const probe = await probeEngine(runner, command, options);
    if ('engine' in probe) return probe.engine;
    tried.push(`${command.join(' ')}: ${probe.missing}`);
  }
  throw new PrerequisiteError(`No Docker Compose found.\n${tried.map((line) => `  ${line}`).join('\n')}`, {
    hint:
      'Install Docker with its Compose plugin (https://docs.docker.com/compose/install/) or the standalone ' +
      `\`docker-compose\`, ${RUNTIME_NATIVE_HINT}.`,
    data: { triedEngines: ENGINE_CANDIDATES.map((command) => command.join(' ')) },
  });
}

/** The CLI that talks to the daemon behind an engine (`docker-compose` uses the docker daemon). */
export function daemonCli(engine: ComposeEngine): 'docker' | 'podman' {
  return engine.command[0] === 'podman' ? 'podman' : 'docker';
}

/** Proves the daemon answers; throws a PrerequisiteError (exit 4) that says how to start it. */
export async function checkDaemon(
  runner: ProcessRunner,
  engine: ComposeEngine,
  options: DockerCallOptions = {},
): Promise<{ serverVersion: string }> {
  const cli = daemonCli(engine);
  const format = cli === 'podman' ? '{{.Version.Version}}' : '{{.ServerVersion}}';
  const result = await runner.run(cli, ['info', '--format', format], { env: options.env, signal: options.signal });
  if (options.signal?.aborted) throw new InterruptedError();
  if (result.notFound) {
    throw new PrerequisiteError(`\`${cli}\` is not found on PATH; it is needed to reach the daemon.`, {
      hint: `Install the ${cli} CLI, ${RUNTIME_NATIVE_HINT}.`,
    });
  }
  const serverVersion = result.stdout.trim();
  if (result.exitCode === 0 && serverVersion !== '') return { serverVersion };
  const kind = classifyDockerError(result.stderr);
  if (kind === 'daemon-down') throw daemonDownError(cli);
  if (kind === 'permission-denied') throw permissionDeniedError();
  const said = lastLines(result.stderr, 3).join(' ');
  throw new PrerequisiteError(`\`${cli} info\` failed (exit ${result.exitCode})${said ? `: ${said}` : ''}.`, {
    hint: `Check that the ${cli} daemon is running, ${RUNTIME_NATIVE_HINT}.`,
  });
}

export type DockerProbe =
  | { available: true; engine: ComposeEngine; serverVersion: string }
  | { available: false; reason: PrerequisiteError };

/** For `--runtime auto`: an engine and a daemon that answers, or why not (never throws for those). */
export async function probeDocker(runner: ProcessRunner, options: DockerCallOptions = {}): Promise<DockerProbe> {
  try {
    const engine = await detectComposeEngine(runner, options);
    const { serverVersion } = await checkDaemon(runner, engine, options);
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
