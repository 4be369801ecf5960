import { createServer } from 'node:http';
import { closeServer, listen } from './http-server.js';

/**
 * Stands in for LocalStack's two readiness endpoints. Tests change `state` while a waiter
 * polls, to walk it through start-up.
 */
export interface FakeLocalstackState {
  /** HTTP status of /_localstack/health; 200 serves `health`. */
  healthStatus: number;
  health: unknown;
  /** HTTP status of /_localstack/init/ready; 404 as in versions without init hooks. */
  initStatus: number;
  init: unknown;
}

export interface FakeLocalstack {
  endpoint: string;
  state: FakeLocalstackState;
  /** Paths requested so far, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startFakeLocalstack(initial: Partial<FakeLocalstackState> = {}): Promise<FakeLocalstack> {
  const state: FakeLocalstackState = {
    healthStatus: 200,
    health: { services: { s3: 'running' }, edition: 'community', version: '4.0.0' },
    initStatus: 200,
    init: { completed: true, scripts: [] },
    ...initial,
  };
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const [status, body] =
      path === '/_localstack/health'
        ? [state.healthStatus, state.health]
        : path === '/_localstack/init/ready'
          ? [state.initStatus, state.init]
          : [404, { error: 'not found' }];
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    state,
    requests,
    stop: () => closeServer(server),
  };
}
