import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { probeEngine } from '../helpers/engine-probe.js';

/**
 * The fork's compose file bind-mounts /var/run/docker.sock into LocalStack. On an engine listening
 * elsewhere (a private socket, as the engine set-up starts), Docker creates an empty directory at
 * that path on the host, and a Docker installed later could not put its socket there. The
 * real-engine tests remove it again when this run made it.
 */
const DEFAULT_SOCKET = '/var/run/docker.sock';

export default function setup(project: TestProject): () => void {
  // Whether a real engine answers, asked once for the run rather than by each real-engine file.
  project.provide('engineUnavailable', probeEngine() ?? null);
  const existedBefore = existsSync(DEFAULT_SOCKET);
  return () => {
    if (existedBefore || !existsSync(DEFAULT_SOCKET)) return;
    if (statSync(DEFAULT_SOCKET).isDirectory() && readdirSync(DEFAULT_SOCKET).length === 0) rmdirSync(DEFAULT_SOCKET);
  };
}
