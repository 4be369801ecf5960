import { execFileSync } from 'node:child_process';

/** What the engine set-up provides (test/engine/lib/images.sh names the same four). */
export const ENGINE_IMAGES = {
  postgres: 'postgres:16',
  localstackLatest: 'localstack/localstack:latest',
  localstackCommunity: 'localstack/localstack:4.12',
  localstackNeedsToken: 'datalayer-engine/localstack:needs-auth-token',
} as const;

const SET_UP = 'set one up with `eval "$(npm run --silent engine)"`';

function quietly(args: string[]): { ok: boolean; stdout: string } {
  try {
    return { ok: true, stdout: execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim() };
  } catch (error) {
    // A missing client, a daemon that does not answer or a missing image: each is a reason to skip.
    return { ok: false, stdout: String((error as { stderr?: unknown }).stderr ?? error) };
  }
}

/**
 * Why the real-engine tests cannot run here, or undefined when they can. Six docker processes: the
 * run's global set-up asks once and hands the answer to every file (test/helpers/engine.ts).
 */
export function probeEngine(): string | undefined {
  const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'the default Docker socket';
  if (!quietly(['info', '--format', '{{.ServerVersion}}']).ok) return `no Docker engine answers at ${where}: ${SET_UP}`;
  if (!/^v?(2|5)\./.test(quietly(['compose', 'version', '--short']).stdout)) return `\`docker compose\` (Compose v2) is missing: ${SET_UP}`;
  const missing = Object.values(ENGINE_IMAGES).filter((image) => !quietly(['image', 'inspect', image]).ok);
  return missing.length > 0 ? `image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing on the engine: ${SET_UP}` : undefined;
}
