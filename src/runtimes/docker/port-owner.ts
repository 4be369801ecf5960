import type { ProcessRunner } from '../../process/runner.js';
import type { DockerCallOptions } from './engine.js';

/** A running container and the host ports it publishes (TCP only: the ones a service listens on). */
export interface PublishingContainer {
  name: string;
  hostPorts: number[];
}

/**
 * Reads `docker ps --format json` (one object per line, `Names` a string and `Ports` like
 * `0.0.0.0:5432->5432/tcp, :::5432->5432/tcp` or `0.0.0.0:8000-8001->8000-8001/tcp`) and
 * podman's (one JSON array, `Names` an array, `Ports` objects with `host_port` and `range`).
 * Lines that are not JSON objects are skipped: this only feeds a hint.
 */
export function parseContainerList(stdout: string): PublishingContainer[] {
  const text = stdout.trim();
  if (text === '') return [];
  const entries = text.startsWith('[') ? tryJson(text) : text.split(/\r?\n/).map(tryJson);
  const list = Array.isArray(entries) ? entries : [];
  const containers: PublishingContainer[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as Record<string, unknown>;
    const name = Array.isArray(record.Names) ? String(record.Names[0] ?? '') : String(record.Names ?? '');
    if (name === '') continue;
    containers.push({ name, hostPorts: hostPortsOf(record.Ports) });
  }
  return containers;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Not JSON (a warning line, an old CLI): there is simply no container to name from it.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function hostPortsOf(ports: unknown): number[] {
  const found: number[] = [];
  if (typeof ports === 'string') {
    for (const binding of ports.split(',')) {
      const match = /:(\d+)(?:-(\d+))?->\d+(?:-\d+)?\/tcp$/.exec(binding.trim());
      if (match?.[1]) found.push(...range(Number(match[1]), Number(match[2] ?? match[1])));
    }
  } else if (Array.isArray(ports)) {
    for (const port of ports as Record<string, unknown>[]) {
      const first = Number(port?.host_port);
      const count = Math.max(1, Number(port?.range ?? 1));
      if (Number.isInteger(first) && first > 0 && (port?.protocol ?? 'tcp') === 'tcp') found.push(...range(first, first + count - 1));
    }
  }
  return [...new Set(found)];
}

function range(from: number, to: number): number[] {
  const ports: number[] = [];
  for (let port = from; port <= to && ports.length < 65536; port += 1) ports.push(port);
  return ports;
}

/**
 * The name of the running container publishing `port` on the host, for a preflight message such
 * as "port 5432 is held by container other-postgres-1". `undefined` when no container holds it or
 * when docker cannot answer (not installed, daemon down): the port is then held by something else.
 */
export async function findContainerPublishing(
  runner: ProcessRunner,
  port: number,
  options: DockerCallOptions & { cli?: 'docker' | 'podman' } = {},
): Promise<string | undefined> {
  const result = await runner.run(options.cli ?? 'docker', ['ps', '--format', 'json'], {
    env: options.env,
    signal: options.signal,
  });
  if (result.exitCode !== 0) return undefined;
  return parseContainerList(result.stdout).find((container) => container.hostPorts.includes(port))?.name;
}
