import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

let standIns: string | undefined;

/**
 * The environment of "a machine without Docker", wherever this machine keeps its binaries:
 * `docker`, `docker-compose` and `podman` first on PATH fail as a command that is not installed
 * does (everything else on PATH stays: git, id, the shell), and DOCKER_HOST names no daemon in
 * case a real client is reached anyway.
 */
export function noDockerEnv(): Record<string, string> {
  if (!standIns) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-no-docker-'));
    for (const name of ['docker', 'docker-compose', 'podman']) {
      writeFileSync(path.join(dir, name), `#!/bin/sh\necho "${name}: command not found (this test plays a machine without Docker)" >&2\nexit 127\n`, { mode: 0o755 });
    }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    standIns = dir;
  }
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
