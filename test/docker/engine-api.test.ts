import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerInfo, dockerSocketOf } from '../../src/runtimes/docker/engine-api.js';
import { dockerRouteOf } from '../../src/runtimes/docker/proven-engine-api.js';

describe('dockerSocketOf: the socket the docker CLI would use, when it can be told without the CLI', () => {
  it.each([
    [{}, '/var/run/docker.sock'],
    [{ DOCKER_HOST: '' }, '/var/run/docker.sock'],
    [{ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, '/run/user/1000/docker.sock'],
    [{ DOCKER_HOST: 'tcp://10.0.0.2:2376' }, undefined],
    [{ DOCKER_HOST: 'ssh://me@builder' }, undefined],
    [{ DOCKER_HOST: 'unix://' }, undefined],
    [{ DOCKER_CONTEXT: 'remote' }, undefined],
    [{ DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///var/run/docker.sock' }, undefined],
  ])('%j → %s', (env, socket) => {
    expect(dockerSocketOf(env)).toBe(socket);
  });
});

describe('containerInfo: an Engine API list entry read as `compose ps --format json` says it', () => {
  const base = { Id: 'abc', Names: ['/shop-postgres-1'], Labels: { 'com.docker.compose.service': 'postgres' } };

  it('name without the slash, service from its label, ports as publishers', () => {
    const info = containerInfo({ ...base, State: 'running', Status: 'Up 3 minutes', Ports: [{ IP: '0.0.0.0', PrivatePort: 5432, PublicPort: 15432, Type: 'tcp' }, { PrivatePort: 8080, Type: 'tcp' }] }, 'shop');
    expect(info).toEqual({
      name: 'shop-postgres-1',
      service: 'postgres',
      project: 'shop',
      state: 'running',
      health: '',
      status: 'Up 3 minutes',
      exitCode: 0,
      publishers: [
        { url: '0.0.0.0', targetPort: 5432, publishedPort: 15432, protocol: 'tcp' },
        { url: '', targetPort: 8080, publishedPort: 0, protocol: 'tcp' },
      ],
    });
  });

  it.each([
    ['Up 2 minutes (healthy)', 'healthy'],
    ['Up 5 seconds (health: starting)', 'starting'],
    ['Up 1 hour (unhealthy)', 'unhealthy'],
    ['Up 1 hour', ''],
  ])('health from the status line %j: %j', (status, health) => {
    expect(containerInfo({ ...base, State: 'running', Status: status }, 'shop').health).toBe(health);
  });

  it('the exit code of an exited container, from its status line', () => {
    expect(containerInfo({ ...base, State: 'exited', Status: 'Exited (55) 4 seconds ago' }, 'shop')).toMatchObject({ state: 'exited', exitCode: 55 });
  });
});

describe('dockerRouteOf: a context chosen with `docker context use` keeps the API route away', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'datalayer-docker-route-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let configs = 0;
  /** A DOCKER_CONFIG folder whose config.json holds `text` (none when undefined). */
  const dockerConfig = (text: string | undefined) => {
    const dir = path.join(root, `config-${configs++}`);
    mkdirSync(dir);
    if (text !== undefined) writeFileSync(path.join(dir, 'config.json'), text);
    return dir;
  };

  it.each([
    ['no config.json', undefined, '/var/run/docker.sock'],
    ['no currentContext', '{"auths":{}}', '/var/run/docker.sock'],
    ['the default context', '{"currentContext":"default"}', '/var/run/docker.sock'],
    ['another context', '{"currentContext":"remote"}', undefined],
    ['a config.json that is not JSON', '{"currentContext":', undefined],
  ])('without DOCKER_HOST, %s: %s', (_, text, socket) => {
    expect(dockerRouteOf({ PATH: bin, DOCKER_CONFIG: dockerConfig(text) })?.socket).toBe(socket);
  });

  it('DOCKER_HOST wins over the context of config.json, as it does for the CLI', () => {
    const env = { PATH: bin, DOCKER_CONFIG: dockerConfig('{"currentContext":"remote"}'), DOCKER_HOST: 'unix:///run/engine.sock' };
    expect(dockerRouteOf(env)?.socket).toBe('/run/engine.sock');
  });

  it('no docker client on PATH: no route', () => {
    expect(dockerRouteOf({ PATH: root, DOCKER_CONFIG: dockerConfig(undefined) })).toBeUndefined();
  });
});
