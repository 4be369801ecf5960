import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { FakeDocker, FakeDockerScenario, FakeService } from './fake-docker.js';

/**
 * Makes the fake docker behave like a Compose stack that publishes ports: nothing listens until
 * the fake has recorded a `compose up`; then POSTGRES_PORT forwards to a real Postgres and
 * LOCALSTACK_PORT serves LocalStack's two readiness endpoints itself and hands every other
 * request (the S3 API) to a real S3 server, and `compose ps` reports the containers running with
 * those ports. A recorded `compose down` closes the ports and empties `ps` again.
 */
export interface ComposeStackOptions {
  docker: FakeDocker;
  postgres: {
    /** The host port the compose file publishes (POSTGRES_PORT). */
    published: number;
    /** Where the real Postgres listens; without it the container runs but nothing answers. */
    backendPort?: number;
  };
  localstack: {
    published: number;
    /** Where the real S3 server listens; without it the container runs but nothing answers. */
    s3Port?: number;
  };
  /** What `config --services` declares; defaults to the fork's three services. */
  declared?: string[];
  /** Extra scenario fields (logs, psShape, ...), kept across every change the stack makes. */
  scenario?: FakeDockerScenario;
}

export interface EmulatedStack {
  /** Resolves once a `compose up` was seen and its ports are published. */
  whenUp(): Promise<void>;
  /** Every recorded compose call whose subcommand is `name` (`up`, `down`, `ps`...). */
  composeCalls(name: string): string[][];
  /** The container of `service` stops: its port closes and `ps -a` shows it exited with `exitCode`. */
  exit(service: 'postgres' | 'localstack', exitCode: number, logs?: string): Promise<void>;
  stop(): Promise<void>;
}

const FORK_SERVICES = ['data-layer', 'postgres', 'localstack'];
const WATCH_INTERVAL_MS = 20;
const COMPOSE_VALUE_FLAGS = new Set(['-p', '--project-name', '-f', '--file', '--env-file', '--project-directory', '--profile']);

/** The compose subcommand of a recorded argv (`up` in `docker compose -p x -f y up -d`), if it is a compose call. */
export function composeSubcommand(argv: readonly string[]): string | undefined {
  const start = argv[0] === 'docker-compose' ? 1 : argv[1] === 'compose' ? 2 : -1;
  if (start < 0) return undefined;
  let index = start;
  while (index < argv.length && COMPOSE_VALUE_FLAGS.has(argv[index] ?? '')) index += 2;
  return argv[index];
}

export function emulateComposeStack(options: ComposeStackOptions): EmulatedStack {
  const { docker } = options;
  const declared = options.declared ?? FORK_SERVICES;
  const base: FakeDockerScenario = { ...options.scenario, definedServices: declared };
  const listeners = new Map<'postgres' | 'localstack', Listener>();
  const exited = new Map<string, { exitCode: number; logs?: string }>();
  let seen = 0;
  let up = false;
  let upWaiters: Array<() => void> = [];
  let work: Promise<void> = Promise.resolve();
  docker.setScenario({ ...base, services: [] });

  const publishScenario = () => {
    const services = declared.map((name) => serviceEntry(name, options, exited.get(name)));
    const logs = { ...base.logs };
    for (const [name, exit] of exited) if (exit.logs) logs[name] = exit.logs;
    docker.setScenario({ ...base, logs, services });
  };

  const closeListeners = async () => {
    await Promise.all([...listeners.values()].map((listener) => listener.close()));
    listeners.clear();
  };

  // A repeated `up -d` restarts what is stopped: the ports are published afresh.
  const publish = async () => {
    await closeListeners();
    if (options.postgres.backendPort !== undefined) {
      listeners.set('postgres', await tcpForward(options.postgres.published, options.postgres.backendPort));
    }
    if (options.localstack.s3Port !== undefined) {
      listeners.set('localstack', await localstackFront(options.localstack.published, options.localstack.s3Port));
    }
    exited.clear();
    // ps says "running" only once the ports answer, as after a real `up -d` with healthy containers.
    publishScenario();
    up = true;
    for (const wake of upWaiters.splice(0)) wake();
  };

  const unpublish = async () => {
    await closeListeners();
    up = false;
    docker.setScenario({ ...base, services: [] });
  };

  // A failure (a port taken meanwhile) is kept and rethrown by stop(), so the test that caused it fails.
  let failure: unknown;
  const step = (change: () => Promise<void>) => {
    work = work.then(change).catch((error: unknown) => {
      failure ??= error;
    });
  };

  // Reacts to the fake's argv log, in order, one change at a time.
  const timer = setInterval(() => {
    const calls = docker.calls();
    for (const argv of calls.slice(seen)) {
      const subcommand = composeSubcommand(argv);
      if (subcommand === 'up') step(publish);
      if (subcommand === 'down') step(unpublish);
    }
    seen = calls.length;
  }, WATCH_INTERVAL_MS);

  return {
    whenUp: () => (up ? Promise.resolve() : new Promise<void>((resolve) => upWaiters.push(resolve))),
    composeCalls: (name) => docker.calls().filter((argv) => composeSubcommand(argv) === name),
    async exit(service, exitCode, logs) {
      await work;
      await listeners.get(service)?.close();
      listeners.delete(service);
      exited.set(service, { exitCode, ...(logs === undefined ? {} : { logs }) });
      publishScenario();
    },
    async stop() {
      clearInterval(timer);
      await work;
      await closeListeners();
      upWaiters = [];
      if (failure) throw failure;
    },
  };
}

function serviceEntry(name: string, options: ComposeStackOptions, exit: { exitCode: number } | undefined): FakeService {
  if (exit) return { Service: name, State: 'exited', ExitCode: exit.exitCode, Publishers: [] };
  const published = name === 'postgres' ? options.postgres.published : name === 'localstack' ? options.localstack.published : undefined;
  const target = name === 'postgres' ? 5432 : 4566;
  return {
    Service: name,
    State: 'running',
    Publishers: published === undefined ? [] : [{ URL: '0.0.0.0', TargetPort: target, PublishedPort: published, Protocol: 'tcp' }],
  };
}

interface Listener {
  close(): Promise<void>;
}

/** A published container port: every connection is piped to the real server's port. */
async function tcpForward(port: number, backendPort: number): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const backend = connect({ port: backendPort, host: '127.0.0.1' });
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A reset on one side ends the pair; the other side sees its socket close.
      socket.on('error', () => {
        client.destroy();
        backend.destroy();
      });
    }
    client.pipe(backend);
    backend.pipe(client);
  });
  await listen(server, port);
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const LOCALSTACK_HEALTH = { services: { s3: 'running' }, edition: 'community', version: '4.0.0' };
const LOCALSTACK_INIT = { completed: true, scripts: [{ stage: 'READY', name: 'script.sh', state: 'SUCCESSFUL' }] };

/** LocalStack's port: its readiness endpoints answered here, the S3 API forwarded untouched (Host included, so signatures hold). */
async function localstackFront(port: number, s3Port: number): Promise<Listener> {
  const server = createHttpServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    if (path === '/_localstack/health' || path === '/_localstack/init/ready') {
      outgoing.writeHead(200, { 'Content-Type': 'application/json' });
      outgoing.end(JSON.stringify(path === '/_localstack/health' ? LOCALSTACK_HEALTH : LOCALSTACK_INIT));
      return;
    }
    const forwarded = httpRequest(
      { host: '127.0.0.1', port: s3Port, method: incoming.method, path, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => {
      outgoing.writeHead(502, { 'Content-Type': 'text/plain' });
      outgoing.end(`forwarding to the S3 server failed: ${error.message}`);
    });
    incoming.pipe(forwarded);
  });
  await listen(server, port);
  return {
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function listen(server: TcpServer | HttpServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

