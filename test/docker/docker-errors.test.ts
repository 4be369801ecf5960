import { describe, expect, it } from 'vitest';
import { classifyDockerError, composeFailure, findPortConflict } from '../../src/runtimes/docker/docker-errors.js';
import type { RunResult } from '../../src/process/runner.js';

describe('classifyDockerError', () => {
  it.each([
    ["docker: 'compose' is not a docker command.\nSee 'docker --help'", 'plugin-missing'],
    ["docker: unknown command: docker compose\n\nRun 'docker --help' for more information", 'plugin-missing'],
    ['Error: unrecognized command `podman compose`', 'plugin-missing'],
    ['Error: looking up compose provider failed\n7 errors occurred:', 'plugin-missing'],
    ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 'daemon-down'],
    ["Couldn't connect to Docker daemon at http+docker://localhost - is it running?", 'daemon-down'],
    ['error during connect: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/info": open //./pipe/docker_engine: The system cannot find the file specified.', 'daemon-down'],
    ['Cannot connect to Podman. Please verify your connection to the Linux system', 'daemon-down'],
    [
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": dial unix /var/run/docker.sock: connect: permission denied',
      'permission-denied',
    ],
    ['permission denied while trying to connect to the docker API at unix:///var/run/docker.sock', 'permission-denied'],
    ['unknown flag: --short', 'unknown'],
    ['', 'unknown'],
  ] as const)('%j is %s', (stderr, kind) => {
    expect(classifyDockerError(stderr)).toBe(kind);
  });
});

describe('findPortConflict', () => {
  it.each([
    [
      'Error response from daemon: driver failed programming external connectivity on endpoint myhost-postgres-1 (3f2a): Bind for 0.0.0.0:5432 failed: port is already allocated',
      5432,
    ],
    [
      'Error response from daemon: Ports are not available: exposing port TCP 0.0.0.0:4566 -> 0.0.0.0:0: listen tcp 0.0.0.0:4566: bind: address already in use',
      4566,
    ],
    ['Error: rootlessport listen tcp 0.0.0.0:15432: bind: address already in use', 15432],
    ['Error: something: address already in use', null],
    ['network myhost_default not found', undefined],
  ] as const)('%j names port %s', (stderr, port) => {
    expect(findPortConflict(stderr)).toBe(port);
  });
});

function failed(stderr: string, exitCode = 1): RunResult {
  return { argv: ['docker', 'compose', 'up'], exitCode, stdout: '', stderr, notFound: false, timedOut: false };
}

describe('composeFailure', () => {
  it('makes a taken port a refusal (exit 6) naming the port', () => {
    const error = composeFailure(failed('Bind for 0.0.0.0:5432 failed: port is already allocated'), 'docker compose up', 'docker');
    expect(error.exitCode).toBe(6);
    expect(error.message).toContain('Port 5432');
    expect(error.data).toEqual({ port: 5432 });
  });

  it('makes a stopped daemon a missing prerequisite (exit 4) with how to start it', () => {
    const error = composeFailure(failed('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'), 'docker compose up', 'docker');
    expect(error.exitCode).toBe(4);
    expect(error.hint).toContain('sudo systemctl start docker');
    expect(error.hint).toContain('--runtime native');
  });

  it('makes a refused socket a missing prerequisite about the docker group', () => {
    const error = composeFailure(failed('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'), 'docker compose ps', 'docker');
    expect(error.exitCode).toBe(4);
    expect(error.hint).toContain('docker` group');
  });

  it('keeps the last lines of anything else', () => {
    const stderr = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const error = composeFailure(failed(stderr, 18), 'docker compose up', 'docker');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('`docker compose up` failed (exit 18)');
    expect(error.message).toContain('line 20');
    expect(error.message).toContain('line 9');
    expect(error.message).not.toContain('line 8\n');
  });
});
