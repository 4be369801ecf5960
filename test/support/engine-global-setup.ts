import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';

/**
 * The fork's compose file bind-mounts /var/run/docker.sock into LocalStack. On an engine listening
 * elsewhere (a private socket, as the engine set-up starts), Docker creates an empty directory at
 * that path on the host, and a Docker installed later could not put its socket there. The
 * real-engine tests remove it again when this run made it.
 */
const DEFAULT_SOCKET = '/var/run/docker.sock';

export default function setup(): () => void {
  const existedBefore = existsSync(DEFAULT_SOCKET);
  return () => {
    if (existedBefore || !existsSync(DEFAULT_SOCKET)) return;
    if (statSync(DEFAULT_SOCKET).isDirectory() && readdirSync(DEFAULT_SOCKET).length === 0) rmdirSync(DEFAULT_SOCKET);
  };
}
