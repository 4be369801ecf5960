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

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
