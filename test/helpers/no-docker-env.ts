import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const standIns = path.join(path.dirname(fileURLToPath(import.meta.url)), 'no-docker');

/**
 * The environment of "a machine without Docker", wherever this machine keeps its binaries:
 * `docker`, `docker-compose` and `podman` first on PATH fail as a command that is not installed
 * does (test/helpers/no-docker/; everything else on PATH stays: git, id, the shell), and
 * DOCKER_HOST names no daemon in case a real client is reached anyway.
 */
export function noDockerEnv(): Record<string, string> {
  return {
    PATH: [standIns, process.env.PATH ?? ''].join(path.delimiter),
    DOCKER_HOST: `unix://${path.join(standIns, 'no-daemon-here.sock')}`,
  };
}

export { freePort } from './real-postgres.js';
