// Shared by the benchmarks: a free port, and a temporary copy of the demo host with its .env.
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * examples/demo copied to a temporary directory, with a .env made from its .env.example: a real
 * secret and the given ports. Returns the host directory and a function that removes it all.
 */
export function makeBenchHost({ postgresPort, s3Port }) {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-bench-'));
  chmodSync(parent, 0o755); // as root, the native Postgres runs as its own user and must traverse this
  const host = path.join(parent, 'host');
  // Only what the repository holds: not the state or .env of a demo run in this working tree.
  const local = new Set(['.env', '.datalayer', '.data']);
  cpSync(path.join(root, 'examples', 'demo'), host, { recursive: true, filter: (source) => !local.has(path.basename(source)) });
  const env = readFileSync(path.join(host, '.env.example'), 'utf8')
    .replace(/^CHAINLIT_AUTH_SECRET=.*$/m, 'CHAINLIT_AUTH_SECRET=Zq8sW1xE4rT7yU0iO3pA6sD9fG2hJ5kLmN0bV')
    .replace(/^POSTGRES_PORT=.*$/m, `POSTGRES_PORT=${postgresPort}`)
    .replace(/^LOCALSTACK_PORT=.*$/m, `LOCALSTACK_PORT=${s3Port}`);
  writeFileSync(path.join(host, '.env'), env, { mode: 0o600 });
  return { host, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
