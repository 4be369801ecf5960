import { execFileSync } from 'node:child_process';

/**
 * Whether a real Docker engine answers (`docker info`, with the environment's DOCKER_HOST), and
 * why a test that needs one is skipped. DATALAYER_E2E_DOCKER=1 makes such tests mandatory (CI):
 * then nothing is skipped and a missing engine fails them; =0 turns them off.
 */
export function realEngineSkipReason(): string | undefined {
  const mode = process.env.DATALAYER_E2E_DOCKER;
  if (mode === '0') return 'DATALAYER_E2E_DOCKER=0';
  if (mode === '1') return undefined;
  return engineAnswers() ? undefined : 'no Docker engine answers `docker info` (set DOCKER_HOST)';
}

export function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    // No client, or no daemon behind it: exactly what decides the skip.
    return false;
  }
}

/** Containers of a compose project, running or not (`docker ps -a` by the project label). */
export function projectContainers(project: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.trim() !== '');
}
