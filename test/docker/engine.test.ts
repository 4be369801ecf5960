import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkDaemon,
  detectComposeEngine,
  detectEngineAndDaemon,
  detectEngineBesideAnsweringDocker,
  DOCKER_INFO_FORMAT,
  isDockerAvailable,
  pluginEngineFrom,
  probeDocker,
} from '../../src/runtimes/docker/engine.js';
import { PrerequisiteError } from '../../src/support/errors.js';
import { ProcessRunner } from '../../src/process/runner.js';
import { installFakeDocker, type FakeDockerInstall, type FakeDockerScenario } from '../helpers/fake-docker.js';

let dir: string;
const runner = new ProcessRunner();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'datalayer-engine-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fake(scenario: FakeDockerScenario, install?: FakeDockerInstall) {
  return installFakeDocker(dir, scenario, install);
}

async function caught(promise: Promise<unknown>): Promise<PrerequisiteError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PrerequisiteError);
  return error as PrerequisiteError;
}

describe('detectComposeEngine', () => {
  it('takes the docker compose plugin first, from `version --short`', async () => {
    const docker = fake({ composeVersion: '2.29.1' }, { withDockerCompose: true });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine).toEqual({ command: ['docker', 'compose'], version: '2.29.1', major: 2, warnings: [] });
    expect(docker.calls()).toEqual([['docker', 'compose', 'version', '--short']]);
  });

  it.each(['5.0.1', 'v2.1.1'])('accepts Compose %s without a warning', async (version) => {
    const docker = fake({ composeVersion: version });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine.version).toBe(version.replace(/^v/, ''));
    expect(engine.warnings).toEqual([]);
  });

  it.each(['old', 'new'] as const)('falls back to docker-compose when the plugin is missing (%s CLI texts)', async (cli) => {
    const docker = fake({ pluginMissing: cli, dockerComposeVersion: '2.27.0' }, { withDockerCompose: true });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine.command).toEqual(['docker-compose']);
    expect(engine.version).toBe('2.27.0');
    // The CLI refuses `--short` (exit 125) before saying the plugin is missing; plain `version` says it.
    expect(docker.calls()).toEqual([
      ['docker', 'compose', 'version', '--short'],
      ['docker', 'compose', 'version'],
      ['docker-compose', 'version', '--short'],
    ]);
  });

  it('refuses docker-compose 1.x (exit 4), naming it and what to install instead', async () => {
    const docker = fake({ dockerComposeVersion: '1.29.2' }, { withDocker: false, withDockerCompose: true });
    const error = await detectComposeEngine(runner, { env: docker.env }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect((error as PrerequisiteError).message).toMatch(/^`docker-compose` is Compose 1\.29\.2, which datalayer cannot use: it needs Compose v2/);
    expect((error as PrerequisiteError).hint).toMatch(/Install the Compose v2 plugin.*--runtime native/);
  });

  it('passes over docker-compose 1.x to a podman compose further down the list', async () => {
    const docker = fake({ pluginMissing: 'new', dockerComposeVersion: '1.29.2', podmanComposeVersion: '2.30.0' }, { withDockerCompose: true, withPodman: true });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine.command).toEqual(['podman', 'compose']);
  });

  it('reads plain `version` output when `--short` is not supported', async () => {
    const docker = fake({ shortUnsupported: true, composeVersion: '2.3.3' });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine).toEqual({ command: ['docker', 'compose'], version: '2.3.3', major: 2, warnings: [] });
    expect(docker.calls()).toEqual([
      ['docker', 'compose', 'version', '--short'],
      ['docker', 'compose', 'version'],
    ]);
  });

  it('uses podman compose last', async () => {
    const docker = fake({ pluginMissing: 'new', podmanComposeVersion: '2.30.0' }, { withPodman: true });
    const engine = await detectComposeEngine(runner, { env: docker.env });
    expect(engine.command).toEqual(['podman', 'compose']);
    expect(engine.version).toBe('2.30.0');
    expect(docker.calls().map((argv) => argv.slice(0, 2).join(' '))).toEqual([
      'docker compose',
      'docker compose',
      'podman compose',
    ]);
  });

  it.each([
    ['plugin missing and no docker-compose', { pluginMissing: 'new' } as FakeDockerScenario, {}],
    ['no docker at all', {}, { withDocker: false }],
    ['podman without a compose provider', { podmanComposeMissing: true }, { withDocker: false, withPodman: true }],
  ])('exits 4 with install advice when there is %s', async (_case, scenario, install) => {
    const docker = fake(scenario, install);
    const error = await caught(detectComposeEngine(runner, { env: docker.env }));
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('No Docker Compose found');
    expect(error.hint).toContain('Compose plugin');
    expect(error.hint).toContain('docker-compose');
    expect(error.hint).toContain('--runtime native');
  });

  it('says per engine why it was not taken', async () => {
    const docker = fake({ pluginMissing: 'old' });
    const error = await caught(detectComposeEngine(runner, { env: docker.env }));
    expect(error.message).toContain('docker compose: the compose plugin is not installed');
    expect(error.message).toContain('docker-compose: `docker-compose` not found');
    expect(error.message).toContain('podman compose: `podman` not found');
  });
});

describe('detectEngineBesideAnsweringDocker', () => {
  it('asks Compose only: the docker daemon has just answered through its API', async () => {
    const docker = fake({ composeVersion: '2.29.1', daemonDown: true });
    expect((await detectEngineBesideAnsweringDocker(runner, { env: docker.env })).command).toEqual(['docker', 'compose']);
    expect(docker.calls()).toEqual([['docker', 'compose', 'version', '--short']]);
  });

  it("asks podman's daemon when podman compose is the engine", async () => {
    const docker = fake({ pluginMissing: 'new', podmanComposeVersion: '2.30.0' }, { withPodman: true });
    expect((await detectEngineBesideAnsweringDocker(runner, { env: docker.env })).command).toEqual(['podman', 'compose']);
    expect(docker.calls().at(-1)?.slice(0, 2)).toEqual(['podman', 'info']);
  });
});

describe('checkDaemon', () => {
  const engine = { command: ['docker', 'compose'], version: '2.29.1', major: 2, warnings: [] };

  it('returns the server version', async () => {
    const docker = fake({ serverVersion: '27.3.1' });
    expect(await checkDaemon(runner, engine, { env: docker.env })).toEqual({ serverVersion: '27.3.1' });
    expect(docker.calls()).toEqual([['docker', 'info', '--format', DOCKER_INFO_FORMAT]]);
  });

  it('asks again for the version alone when the client refuses the plugins in the template', async () => {
    const docker = fake({ serverVersion: '27.3.1', infoWithoutPlugins: true });
    expect(await checkDaemon(runner, engine, { env: docker.env })).toEqual({ serverVersion: '27.3.1' });
    expect(docker.calls()).toEqual([
      ['docker', 'info', '--format', DOCKER_INFO_FORMAT],
      ['docker', 'info', '--format', '{{.ServerVersion}}'],
    ]);
  });

  it('exits 4 with how to start the daemon when it is down', async () => {
    const docker = fake({ daemonDown: true });
    const error = await caught(checkDaemon(runner, engine, { env: docker.env }));
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe('The Docker daemon is not running.');
    expect(error.hint).toContain('Start Docker Desktop');
    expect(error.hint).toContain('sudo systemctl start docker');
    expect(error.hint).toContain('--runtime native');
  });

  it('exits 4 with the docker group hint when the socket is refused', async () => {
    const docker = fake({ permissionDenied: true });
    const error = await caught(checkDaemon(runner, engine, { env: docker.env }));
    expect(error.exitCode).toBe(4);
    expect(error.hint).toContain('docker` group');
  });

  it('asks podman for podman engines', async () => {
    const docker = fake({ podmanVersion: '5.2.2' }, { withDocker: false, withPodman: true });
    const podman = { ...engine, command: ['podman', 'compose'] };
    expect(await checkDaemon(runner, podman, { env: docker.env })).toEqual({ serverVersion: '5.2.2' });
    expect(docker.calls()).toEqual([['podman', 'info', '--format', '{{.Version.Version}}']]);
  });
});

describe('detectEngineAndDaemon', () => {
  it('takes the compose plugin `docker info` names, run through its own executable, without asking its version', async () => {
    const docker = fake({ composeVersion: '2.29.1', serverVersion: '27.3.1' }, { withPluginExecutable: true });
    docker.setScenario({ composeVersion: '2.29.1', serverVersion: '27.3.1', pluginExecutable: docker.pluginExecutable! });
    expect(await detectEngineAndDaemon(runner, { env: docker.env })).toEqual({
      engine: { command: ['docker', 'compose'], plugin: docker.pluginExecutable, version: '2.29.1', major: 2, warnings: [] },
      serverVersion: '27.3.1',
    });
    expect(docker.calls()).toEqual([['docker', 'info', '--format', DOCKER_INFO_FORMAT]]);
  });

  it('says the daemon is down when the plugin is there and the daemon is not', async () => {
    const docker = fake({}, { withPluginExecutable: true });
    docker.setScenario({ daemonDown: true, pluginExecutable: docker.pluginExecutable! });
    const error = await caught(detectEngineAndDaemon(runner, { env: docker.env }));
    expect(error.message).toBe('The Docker daemon is not running.');
    expect(docker.calls()).toEqual([['docker', 'info', '--format', DOCKER_INFO_FORMAT]]);
  });

  it('looks for the engines as before when `docker info` names no compose plugin', async () => {
    const docker = fake({ pluginMissing: 'new', dockerComposeVersion: '2.27.0' }, { withDockerCompose: true });
    expect((await detectEngineAndDaemon(runner, { env: docker.env })).engine).toEqual({ command: ['docker-compose'], version: '2.27.0', major: 2, warnings: [] });
    expect(docker.calls().map((call) => call.slice(0, 2))).toEqual([
      ['docker', 'info'],
      ['docker', 'compose'],
      ['docker', 'compose'],
      ['docker-compose', 'version'],
    ]);
  });
});

describe('pluginEngineFrom', () => {
  it.each([
    ['27.3.1\ncompose-plugin\t2.29.1\t/usr/libexec/docker/cli-plugins/docker-compose', '/usr/libexec/docker/cli-plugins/docker-compose', '2.29.1'],
    ['\ncompose-plugin\tv2.40.3-desktop.1\t/Applications/Docker.app/Contents/Resources/cli-plugins/docker-compose', '/Applications/Docker.app/Contents/Resources/cli-plugins/docker-compose', '2.40.3-desktop.1'],
    ['27.3.1\ncompose-plugin\t2.29.1\t/home/me/My Tools/docker-compose', '/home/me/My Tools/docker-compose', '2.29.1'],
  ])('%j: %s, %s', (stdout, plugin, version) => {
    expect(pluginEngineFrom(stdout)).toMatchObject({ command: ['docker', 'compose'], plugin, version });
  });

  it.each([
    ['27.3.1', 'no plugin line'],
    ['27.3.1\ncompose-plugin\t\t/usr/libexec/docker/cli-plugins/docker-compose', 'no version'],
    ['27.3.1\ncompose-plugin\t2.29.1\tdocker-compose', 'a relative path'],
    ['27.3.1\ncompose-plugin\t1.29.2\t/usr/libexec/docker/cli-plugins/docker-compose', 'a 1.x'],
  ])('%j (%s): none', (stdout) => {
    expect(pluginEngineFrom(stdout)).toBeUndefined();
  });
});

describe('isDockerAvailable / probeDocker', () => {
  it('is true with an engine and a running daemon', async () => {
    const docker = fake({});
    expect(await isDockerAvailable(runner, { env: docker.env })).toBe(true);
  });

  it('is false, with the reason, when the daemon is down', async () => {
    const docker = fake({ daemonDown: true });
    const probe = await probeDocker(runner, { env: docker.env });
    expect(probe.available).toBe(false);
    expect(probe.available === false && probe.reason.message).toBe('The Docker daemon is not running.');
  });

  it('is false when no docker is on PATH (the real one is not found either)', async () => {
    const docker = fake({}, { withDocker: false });
    expect(await isDockerAvailable(runner, { env: docker.env })).toBe(false);
    expect(docker.calls()).toEqual([]);
  });
});
