import { DatalayerError, ExitCode, PrerequisiteError, RefusedError } from '../../support/errors.js';
import type { RunResult } from '../../process/runner.js';

/**
 * What a failed docker / compose call means. Every one of these exits 1, so only the stderr
 * text tells them apart (texts as printed by the docker CLI, Compose v1/v2 and podman).
 */
export type DockerErrorKind = 'plugin-missing' | 'daemon-down' | 'permission-denied' | 'unknown';

const PLUGIN_MISSING = [
  // docker CLI before 28
  /'compose' is not a docker command/,
  // docker CLI 28 and later
  /unknown command: docker compose/,
  // podman without a `compose` subcommand, or with no provider installed
  /unrecognized command [`'"]?podman compose/,
  /looking up compose provider failed/,
];

const DAEMON_DOWN = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running\?/i,
  // Compose v1 (Python)
  /Couldn't connect to Docker daemon/i,
  // Docker Desktop on Windows when the engine is stopped
  /error during connect:/i,
  /Cannot connect to Podman/i,
];

// The daemon socket exists but this user may not open it (not in the `docker` group).
// Docker 28 says "docker API at", older versions "Docker daemon socket".
const PERMISSION_DENIED = /permission denied while trying to connect to the docker (daemon socket|API)/i;

export function classifyDockerError(stderr: string): DockerErrorKind {
  if (PERMISSION_DENIED.test(stderr)) return 'permission-denied';
  if (PLUGIN_MISSING.some((pattern) => pattern.test(stderr))) return 'plugin-missing';
  if (DAEMON_DOWN.some((pattern) => pattern.test(stderr))) return 'daemon-down';
  return 'unknown';
}

/**
 * The host port named by a "port taken" failure of `up`, e.g.
 * `Bind for 0.0.0.0:5432 failed: port is already allocated` (another container holds it) or
 * `listen tcp 0.0.0.0:5432: bind: address already in use` (another process holds it).
 * `null` when the failure is a port conflict whose port could not be read.
 */
export function findPortConflict(stderr: string): number | null | undefined {
  const match = /:(\d{1,5})(?: failed: port is already allocated|: bind: address already in use)/.exec(stderr);
  if (match?.[1]) return Number(match[1]);
  if (/port is already allocated|address already in use/.test(stderr)) return null;
  return undefined;
}

export const RUNTIME_NATIVE_HINT = 'or run without Docker: `--runtime native`';

export function daemonDownError(cli: string): PrerequisiteError {
  const start =
    cli === 'podman'
      ? 'start it (`podman machine start`, or `systemctl --user start podman.socket`)'
      : 'start Docker Desktop, or `sudo systemctl start docker`';
  return new PrerequisiteError(`The ${cli === 'podman' ? 'Podman' : 'Docker'} daemon is not running.`, {
    hint: `${capitalize(start)}, ${RUNTIME_NATIVE_HINT}.`,
    // No daemon, no containers: what it ran does not run either.
    data: { engineDown: true },
  });
}

export function permissionDeniedError(): PrerequisiteError {
  return new PrerequisiteError('Permission denied on the Docker daemon socket.', {
    hint:
      'Add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log out and in again), ' +
      `${RUNTIME_NATIVE_HINT}.`,
  });
}

/** The last non-empty lines of a command's stderr, for an error message. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-count);
}

/**
 * The error for a failed compose call: daemon problems are missing prerequisites (4), a taken
 * port is a conflict (6), anything else carries the end of Compose's own explanation.
 */
export function composeFailure(result: RunResult, label: string, cli: string): DatalayerError {
  if (result.notFound) {
    return new PrerequisiteError(`\`${result.argv[0] ?? cli}\` is no longer found on PATH.`, {
      hint: `Reinstall Docker Compose, ${RUNTIME_NATIVE_HINT}.`,
    });
  }
  const kind = classifyDockerError(result.stderr);
  if (kind === 'daemon-down') return daemonDownError(cli);
  if (kind === 'permission-denied') return permissionDeniedError();
  const port = findPortConflict(result.stderr);
  if (port !== undefined) {
    const which = port === null ? 'A port' : `Port ${port}`;
    return new RefusedError(`${which} needed by \`${label}\` is already in use.`, {
      hint:
        'Stop what holds it (`docker ps` shows containers publishing it), or choose another port in .env ' +
        '(POSTGRES_PORT / LOCALSTACK_PORT).',
      data: port === null ? {} : { port },
    });
  }
  const detail = result.timedOut ? ['(timed out)'] : lastLines(result.stderr, 12);
  const body = detail.length > 0 ? `:\n${detail.map((line) => `  ${line}`).join('\n')}` : '.';
  return new DatalayerError(ExitCode.internal, `\`${label}\` failed (exit ${result.exitCode})${body}`, {
    hint: 'Run the command again with --verbose to see the exact compose command.',
    data: { composeExitCode: result.exitCode },
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
