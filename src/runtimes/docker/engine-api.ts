/**
 * The Docker Engine API over its unix socket, for the questions `compose ps` and `docker inspect`
 * answer: which containers a compose project has, in which state, and which run of a container
 * this is. One HTTP round-trip on a local socket costs a millisecond; each CLI call starts a
 * process of 50-100 ms. Only read here: starting and stopping stay with Compose.
 */
import http from 'node:http';
import net from 'node:net';
import type { ContainerInfo, ContainerPublisher } from './ps.js';

/** A local socket answers at once or not at all: do not let a wedged daemon hold a command. */
const REQUEST_TIMEOUT_MS = 3_000;

/**
 * The unix socket the `docker` CLI talks to for this environment, when it can be known without
 * asking the CLI: DOCKER_HOST=unix://…, or Docker's default socket when neither DOCKER_HOST nor
 * DOCKER_CONTEXT is set. Undefined for a TCP or SSH host and for a named context.
 */
export function dockerSocketOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.DOCKER_CONTEXT) return undefined;
  const host = env.DOCKER_HOST;
  if (host === undefined || host === '') return '/var/run/docker.sock';
  return host.startsWith('unix://') && host.length > 'unix://'.length ? host.slice('unix://'.length) : undefined;
}

/** One entry of the Engine API's container list, as far as datalayer reads it. */
export interface ApiContainer {
  Id?: string;
  Names?: string[];
  Labels?: Record<string, string>;
  State?: string;
  Status?: string;
  Ports?: Array<{ IP?: string; PrivatePort?: number; PublicPort?: number; Type?: string }>;
}

export class DockerEngineApi {
  constructor(readonly socketPath: string) {}

  /** Answers when the daemon behind the socket does; throws otherwise. */
  async ping(signal?: AbortSignal): Promise<void> {
    const text = await this.get('/_ping', signal);
    if (text.trim() !== 'OK') throw new Error(`unexpected answer to /_ping: ${text.slice(0, 40)}`);
  }

  /**
   * The containers of a compose project, stopped ones included, as `compose ps -a --format json`
   * describes them. One-off containers (`compose run`) are left out, as Compose does.
   */
  async projectContainers(project: string, signal?: AbortSignal): Promise<ContainerInfo[]> {
    const filters = JSON.stringify({ label: [`com.docker.compose.project=${project}`, 'com.docker.compose.oneoff=False'] });
    const list = JSON.parse(await this.get(`/containers/json?all=1&filters=${encodeURIComponent(filters)}`, signal)) as unknown;
    if (!Array.isArray(list)) throw new Error('the container list is not a JSON array');
    return (list as ApiContainer[]).map((container) => containerInfo(container, project));
  }

  /** `{{.Id}} {{.State.StartedAt}}` of a container, the same string `docker inspect` gives. */
  async instance(container: string, signal?: AbortSignal): Promise<string | undefined> {
    const details = JSON.parse(await this.get(`/containers/${encodeURIComponent(container)}/json`, signal)) as { Id?: string; State?: { StartedAt?: string } };
    return details.Id && details.State?.StartedAt ? `${details.Id} ${details.State.StartedAt}` : undefined;
  }

  private get(pathAndQuery: string, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      // The socket is opened here rather than by an http.Agent: the agent would ask whether the
      // request's host ("localhost") is an IP address, and Node's first such question about a name
      // compiles its IPv6 pattern, ~10 ms of every `up` and `status` on a Docker stack.
      const connect = () => net.connect(this.socketPath);
      const request = http.get({ createConnection: connect, path: pathAndQuery, timeout: REQUEST_TIMEOUT_MS, ...(signal ? { signal } : {}) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200) resolve(body);
          else reject(new Error(`the Docker Engine API answered ${response.statusCode} to ${pathAndQuery.split('?')[0]}: ${body.trim().slice(0, 200)}`));
        });
      });
      request.on('timeout', () => request.destroy(new Error(`the Docker Engine API did not answer within ${REQUEST_TIMEOUT_MS} ms`)));
      request.on('error', reject);
    });
  }
}

/** An API list entry in the shape `compose ps --format json` gives (see ps.ts). */
export function containerInfo(container: ApiContainer, project: string): ContainerInfo {
  const status = container.Status ?? '';
  return {
    name: (container.Names?.[0] ?? container.Id ?? '').replace(/^\//, ''),
    service: container.Labels?.['com.docker.compose.service'] ?? '',
    project,
    state: container.State ?? '',
    health: healthOf(status),
    status,
    exitCode: Number(/^Exited \((\d+)\)/.exec(status)?.[1] ?? 0),
    publishers: (container.Ports ?? []).map(
      (port): ContainerPublisher => ({ url: port.IP ?? '', targetPort: port.PrivatePort ?? 0, publishedPort: port.PublicPort ?? 0, protocol: port.Type ?? 'tcp' }),
    ),
  };
}

/** The health Docker writes into the status line: `Up 2 minutes (healthy)`, `(health: starting)`. */
function healthOf(status: string): string {
  const said = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1];
  return said === 'health: starting' ? 'starting' : (said ?? '');
}
