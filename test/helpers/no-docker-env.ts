import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** PATH without any directory that holds a docker, docker-compose or podman client: "a machine without Docker". */
export function pathWithoutDocker(pathValue = process.env.PATH ?? ''): string {
  return pathValue
    .split(path.delimiter)
    .filter((dir) => dir && !['docker', 'docker-compose', 'podman'].some((name) => existsSync(path.join(dir, name))))
    .join(path.delimiter);
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
