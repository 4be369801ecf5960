import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeRuntime } from '../../src/runtimes/docker/compose-runtime.js';
import { detectComposeEngine, type ComposeEngine } from '../../src/runtimes/docker/engine.js';
import { recordedEngine, routeWithEngine, type DockerRoute } from '../../src/runtimes/docker/docker-route.js';
import { DockerEngineApi } from '../../src/runtimes/docker/engine-api.js';
import { findContainerPublishing } from '../../src/runtimes/docker/port-owner.js';
import { composeProjectName } from '../../src/runtimes/docker/project-name.js';
import { DatalayerError, InterruptedError, PrerequisiteError, RefusedError, UsageError } from '../../src/support/errors.js';
import { ProcessRunner } from '../../src/process/runner.js';
import { installFakeDocker, type FakeDocker, type FakeDockerScenario, type FakeService } from '../helpers/fake-docker.js';

const DOCKER_COMPOSE: ComposeEngine = { command: ['docker', 'compose'], version: '2.29.1', major: 2, warnings: [] };

let root: string;
let hostDir: string;
let composeFile: string;
let envFile: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'datalayer-compose-'));
  hostDir = path.join(root, 'My Host');
  composeFile = path.join(hostDir, 'extern', 'chainlit-datalayer', 'compose.yaml');
  envFile = path.join(hostDir, '.env');
  mkdirSync(path.dirname(composeFile), { recursive: true });
  writeFileSync(composeFile, 'services:\n  postgres:\n    image: postgres:16\n');
  writeFileSync(envFile, 'POSTGRES_PORT=15432\n');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const postgres: FakeService = {
  Service: 'postgres',
  State: 'running',
  Health: 'healthy',
  Publishers: [
    { URL: '0.0.0.0', TargetPort: 5432, PublishedPort: 15432, Protocol: 'tcp' },
    { URL: '::', TargetPort: 5432, PublishedPort: 15432, Protocol: 'tcp' },
  ],
};
const localstackRunning: FakeService = {
  Service: 'localstack',
  State: 'running',
  Publishers: [{ URL: '0.0.0.0', TargetPort: 4566, PublishedPort: 4566, Protocol: 'tcp' }],
};
const localstackExited: FakeService = { Service: 'localstack', State: 'exited', ExitCode: 55, Publishers: [] };

function setup(
  scenario: FakeDockerScenario,
  options: {
    engine?: ComposeEngine;
    env?: Record<string, string>;
    warn?: (m: string) => void;
    recorded?: DockerRoute;
    /** The plugin's executable, found by detection (`pluginExecutable`) or recorded with the route (`recordedPlugin`). */
    pluginExecutable?: boolean;
    recordedPlugin?: boolean;
  } = {},
) {
  // With the plugin's executable, it is found only through its path (no docker-compose on PATH).
  const withPlugin = options.pluginExecutable === true || options.recordedPlugin === true;
  const docker: FakeDocker = installFakeDocker(path.join(root, 'fake'), scenario, { withDockerCompose: !withPlugin, withPluginExecutable: withPlugin });
  const plugin = options.pluginExecutable && docker.pluginExecutable ? { ...DOCKER_COMPOSE, plugin: docker.pluginExecutable } : undefined;
  const route =
    options.recordedPlugin && docker.pluginExecutable
      ? routeWithEngine({ socket: '/run/docker.sock', client: 'docker 1 2 3' }, { ...DOCKER_COMPOSE, plugin: docker.pluginExecutable })
      : options.recorded;
  const project = composeProjectName(hostDir, options.env ?? {});
  const runner = new ProcessRunner();
  // A route whose engine is the plugin the last `up` recorded (its API is not called here).
  const recorded = route && {
    engineApi: new DockerEngineApi(route.socket),
    engineRoute: route,
    redetect: () => detectComposeEngine(runner, { env: docker.env }),
  };
  const runtime = new ComposeRuntime({
    runner,
    ...recorded,
    engine: options.engine ?? plugin ?? (route ? recordedEngine(route)! : DOCKER_COMPOSE),
    project,
    composeFile,
    envFile,
    env: docker.env,
    reporter: { warn: options.warn ?? (() => undefined) },
    roleOf: (service) => (service === 'postgres' ? 'postgres' : service === 'localstack' ? 's3' : undefined),
  });
  const target = (project: string) => ['-p', project, '-f', composeFile, '--env-file', envFile];
  return { docker, runtime, target };
}

async function rejection(promise: Promise<unknown>): Promise<DatalayerError> {
  const reason = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(reason).toBeInstanceOf(DatalayerError);
  return reason as DatalayerError;
}

describe('ComposeRuntime argv', () => {
  it('starts with `up -d` under the normalised host name, absolute paths, no --wait, no --remove-orphans', async () => {
    const { docker, runtime, target } = setup({ services: [postgres] });
    await runtime.start({});
    await runtime.start({ services: ['postgres', 'localstack'] });
    expect(docker.calls()).toEqual([
      ['docker', 'compose', ...target('myhost'), 'up', '-d'],
      ['docker', 'compose', ...target('myhost'), 'up', '-d', 'postgres', 'localstack'],
    ]);
    expect(path.isAbsolute(composeFile) && path.isAbsolute(envFile)).toBe(true);
  });

  it('uses COMPOSE_PROJECT_NAME when set', async () => {
    const { docker, runtime } = setup({}, { env: { COMPOSE_PROJECT_NAME: 'foo' } });
    await runtime.stop({ volumes: false });
    expect(docker.calls()).toEqual([['docker', 'compose', '-p', 'foo', '-f', composeFile, '--env-file', envFile, 'down']]);
  });

  it('stops with `down`, adding -v only for volumes, and deletes nothing itself', async () => {
    const { docker, runtime, target } = setup({});
    expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
    expect(await runtime.stop({ volumes: true })).toEqual({ deleted: [] });
    expect(docker.calls()).toEqual([
      ['docker', 'compose', ...target('myhost'), 'down'],
      ['docker', 'compose', ...target('myhost'), 'down', '-v'],
    ]);
  });

  it('calls the standalone docker-compose without a subcommand prefix', async () => {
    const engine: ComposeEngine = { command: ['docker-compose'], version: '2.27.0', major: 2, warnings: [] };
    const { docker, runtime, target } = setup({}, { engine });
    await runtime.start({});
    expect(docker.calls()).toEqual([['docker-compose', ...target('myhost'), 'up', '-d']]);
  });

  it("runs the plugin's own executable, without `compose`, when detection found it", async () => {
    const { docker, runtime, target } = setup({ services: [postgres] }, { pluginExecutable: true });
    await runtime.start({});
    expect((await runtime.services()).map((state) => state.state)).toEqual(['running']);
    expect(docker.calls()).toEqual([
      ['docker-compose', ...target('myhost'), 'up', '-d'],
      ['docker-compose', ...target('myhost'), 'ps', '-a', '--format', 'json'],
      ['docker-compose', ...target('myhost'), 'config', '--services'],
    ]);
  });

  describe('with the plugin the last `up` recorded, not asked now', () => {
    const route = { socket: '/run/docker.sock', client: 'docker 1 2 3', compose: '2.29.1' };
    const recordedSetup = (scenario: FakeDockerScenario) => setup(scenario, { recorded: route });

    it('calls it without a version call first', async () => {
      const { docker, runtime, target } = recordedSetup({});
      await runtime.stop({ volumes: false });
      expect(docker.calls()).toEqual([['docker', 'compose', ...target('myhost'), 'down']]);
    });

    it('a plugin gone since: the engine found now (a standalone docker-compose) takes the call again, and the route forgets the plugin', async () => {
      const { docker, runtime, target } = recordedSetup({ pluginMissing: 'new', dockerComposeVersion: '2.27.0' });
      expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
      const calls = docker.calls();
      expect(calls[0]).toEqual(['docker', 'compose', ...target('myhost'), 'down']);
      expect(calls.at(-1)).toEqual(['docker-compose', ...target('myhost'), 'down']);
      expect(calls.slice(1, -1).every((argv) => argv.includes('version'))).toBe(true);
      expect((await runtime.engine()).command).toEqual(['docker-compose']);
      expect(runtime.engineRoute).toEqual({ socket: route.socket, client: route.client });
    });

    it("runs the plugin's executable the route recorded, while it is the file recorded", async () => {
      const { docker, runtime, target } = setup({}, { recordedPlugin: true });
      await runtime.stop({ volumes: false });
      expect(docker.calls()).toEqual([['docker-compose', ...target('myhost'), 'down']]);
    });

    it("the recorded executable gone when called: the engine found now (through `docker compose`) takes the call again", async () => {
      const { docker, runtime, target } = setup({}, { recordedPlugin: true });
      rmSync(docker.pluginExecutable!);
      expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
      expect(docker.calls()).toEqual([
        ['docker', 'compose', 'version', '--short'],
        ['docker', 'compose', ...target('myhost'), 'down'],
      ]);
    });

    it('a failure of the plugin itself (a port taken) is reported as it is, after one version call', async () => {
      const { docker, runtime, target } = recordedSetup({ responses: { up: { exitCode: 1, stderr: 'Error response from daemon: driver failed programming external connectivity: Bind for 0.0.0.0:15432 failed: port is already allocated' } } });
      const error = await rejection(runtime.start({}));
      expect(error).toBeInstanceOf(RefusedError);
      expect(docker.calls()).toEqual([
        ['docker', 'compose', ...target('myhost'), 'up', '-d'],
        ['docker', 'compose', 'version', '--short'],
      ]);
    });

    it('logs, whose output goes straight to the user, get an engine found now', async () => {
      const { docker, runtime, target } = recordedSetup({});
      await runtime.streamLogs(['postgres'], { tail: 1 });
      expect(docker.calls()).toEqual([
        ['docker', 'compose', 'version', '--short'],
        ['docker', 'compose', ...target('myhost'), 'logs', '--tail', '1', 'postgres'],
      ]);
    });
  });

  it('refuses a service name that would read as an option, before running anything', async () => {
    const { docker, runtime } = setup({});
    await expect(runtime.start({ services: ['--rmi=all'] })).rejects.toBeInstanceOf(UsageError);
    await expect(runtime.lastLogLines('-f', 5)).rejects.toBeInstanceOf(UsageError);
    expect(docker.calls()).toEqual([]);
  });
});

describe('ComposeRuntime.services', () => {
  const expectedStates = [
    { name: 'postgres', role: 'postgres', state: 'running', health: 'healthy', exitCode: 0, ports: [{ published: 15432, target: 5432 }], container: 'myhost-postgres-1' },
    { name: 'localstack', role: 's3', state: 'exited', health: '', exitCode: 55, ports: [], container: 'myhost-localstack-1' },
  ];

  it.each(['array', 'lines'] as const)('reads the %s shape of `ps -a --format json`', async (psShape) => {
    const { docker, runtime, target } = setup({ psShape, services: [postgres, localstackExited] });
    expect(await runtime.services()).toEqual(expectedStates);
    expect(docker.calls()).toEqual([
      ['docker', 'compose', ...target('myhost'), 'ps', '-a', '--format', 'json'],
      ['docker', 'compose', ...target('myhost'), 'config', '--services'],
    ]);
  });

  it('reads entries without Project (Compose 2.21-2.23)', async () => {
    const { runtime } = setup({ omitProject: true, services: [postgres, localstackExited] });
    expect(await runtime.services()).toEqual(expectedStates);
  });

  it('reports a declared service without a container as missing, and leaves out undeclared ones', async () => {
    const app: FakeService = { Service: 'app', State: 'running' };
    const { runtime } = setup({ services: [postgres, app], definedServices: ['postgres', 'localstack'] });
    const states = await runtime.services();
    expect(states.map((s) => [s.name, s.state])).toEqual([
      ['postgres', 'running'],
      ['localstack', 'missing'],
    ]);
  });

  it('sees LocalStack exit 55 while polling, and reads the compose file services once', async () => {
    const { docker, runtime } = setup({
      services: [postgres, localstackRunning],
      psTimeline: [{ fromCall: 3, services: [postgres, localstackExited] }],
    });
    const polls = [];
    for (let i = 0; i < 3; i += 1) polls.push((await runtime.services()).find((s) => s.name === 'localstack'));
    expect(polls.map((s) => [s?.state, s?.exitCode])).toEqual([
      ['running', 0],
      ['running', 0],
      ['exited', 55],
    ]);
    expect(docker.count('ps')).toBe(3);
    expect(docker.calls().filter((argv) => argv.includes('config'))).toHaveLength(1);
  });

  it('follows a scenario changed while the runtime is in use', async () => {
    const { docker, runtime } = setup({ services: [postgres, localstackRunning] });
    expect((await runtime.services()).map((s) => s.state)).toEqual(['running', 'running']);
    docker.setScenario({ services: [postgres, localstackExited], definedServices: ['postgres', 'localstack'] });
    expect((await runtime.services()).map((s) => s.state)).toEqual(['running', 'exited']);
  });
});

describe('ComposeRuntime logs', () => {
  it('returns the last lines of a service from stdout and stderr, without Compose warnings', async () => {
    const { docker, runtime, target } = setup({
      logs: { localstack: 'booting\nready soon\nLicense activation failed' },
      logsStderr: { localstack: 'exiting with 55' },
      responses: {},
    });
    const lines = await runtime.lastLogLines('localstack', 2);
    expect(lines).toEqual(['localstack-1  | License activation failed', 'localstack-1  | exiting with 55']);
    expect(docker.calls()).toEqual([['docker', 'compose', ...target('myhost'), 'logs', '--no-color', '--tail', '2', 'localstack']]);
  });

  it('streams with -f and --tail and returns the exit code', async () => {
    const { docker, runtime, target } = setup({ responses: { logs: { exitCode: 3 } } });
    expect(await runtime.streamLogs(['postgres'], { follow: true, tail: 5 })).toBe(3);
    expect(await runtime.streamLogs([], {})).toBe(3);
    expect(docker.calls()).toEqual([
      ['docker', 'compose', ...target('myhost'), 'logs', '-f', '--tail', '5', 'postgres'],
      ['docker', 'compose', ...target('myhost'), 'logs'],
    ]);
  });
});

describe('ComposeRuntime failures', () => {
  it('turns a taken port into exit 6 naming it', async () => {
    const stderr =
      ' Container myhost-postgres-1  Starting\nError response from daemon: driver failed programming external connectivity on endpoint ' +
      'myhost-postgres-1 (5e1c): Bind for 0.0.0.0:15432 failed: port is already allocated';
    const { runtime } = setup({ responses: { up: { exitCode: 1, stderr } } });
    const error = await rejection(runtime.start({}));
    expect(error).toBeInstanceOf(RefusedError);
    expect(error.exitCode).toBe(6);
    expect(error.message).toContain('Port 15432');
  });

  it('turns a stopped daemon into exit 4 with the daemon hint', async () => {
    const { runtime } = setup({ daemonDown: true });
    const error = await rejection(runtime.services());
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.hint).toContain('sudo systemctl start docker');
  });

  it("carries the end of Compose's own explanation otherwise", async () => {
    const stderr = 'time="2025-01-01T00:00:00Z" level=warning msg="x"\nError response from daemon: pull access denied for localstack/localstack-pro';
    const { runtime } = setup({ responses: { up: { exitCode: 18, stderr } } });
    const error = await rejection(runtime.start({}));
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('`docker compose up` failed (exit 18)');
    expect(error.message).toContain('pull access denied for localstack/localstack-pro');
  });

  it('relays Compose warnings except the orphan advice', async () => {
    const warnings: string[] = [];
    const stderr = [
      'time="2025-01-01T00:00:00Z" level=warning msg="The \\"LOCALSTACK_AUTH_TOKEN\\" variable is not set. Defaulting to a blank string."',
      'time="2025-01-01T00:00:00Z" level=warning msg="Found orphan containers ([myhost-app-1]) for this project."',
      ' Container myhost-postgres-1  Started',
    ].join('\n');
    const { runtime } = setup({ responses: { up: { stderr } } }, { warn: (message) => warnings.push(message) });
    await runtime.start({});
    expect(warnings).toEqual(['compose: The "LOCALSTACK_AUTH_TOKEN" variable is not set. Defaulting to a blank string.']);
  });

  it('stops waiting on Ctrl-C', async () => {
    // Compose would answer only after the test's own time limit: only the abort can end the wait.
    const { docker, runtime } = setup({ responses: { up: { delayMs: 600_000 } } });
    const controller = new AbortController();
    const starting = runtime.start({ signal: controller.signal });
    let settled = false;
    void starting.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Aborted once Compose runs `up`; a start that ends before that fails the expectation below.
    while (!settled && !docker.calls().some((argv) => argv.includes('up'))) await new Promise((done) => setTimeout(done, 20));
    controller.abort();
    await expect(starting).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('findContainerPublishing', () => {
  it('names the container publishing a port', async () => {
    const docker = installFakeDocker(path.join(root, 'fake'), {
      containers: [
        { Names: 'other-localstack-1', Ports: '0.0.0.0:4566->4566/tcp' },
        { Names: 'other-postgres-1', Ports: '0.0.0.0:5432->5432/tcp, :::5432->5432/tcp' },
      ],
    });
    const runner = new ProcessRunner();
    expect(await findContainerPublishing(runner, 5432, { env: docker.env })).toBe('other-postgres-1');
    expect(await findContainerPublishing(runner, 6000, { env: docker.env })).toBeUndefined();
    expect(docker.calls()[0]).toEqual(['docker', 'ps', '--format', 'json']);
  });

  it('answers undefined when docker cannot tell', async () => {
    const docker = installFakeDocker(path.join(root, 'fake'), { daemonDown: true });
    expect(await findContainerPublishing(new ProcessRunner(), 5432, { env: docker.env })).toBeUndefined();
  });
});
