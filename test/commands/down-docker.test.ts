import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, runCli } from '../helpers/cli.js';
import { makeDockerHost, type DockerHost } from '../helpers/docker-host.js';
import type { FakeService } from '../helpers/fake-docker.js';
import { composeSubcommand } from '../helpers/published-ports.js';

const hosts: DockerHost[] = [];
afterEach(() => {
  for (const fixture of hosts.splice(0)) fixture.host.cleanup();
});

const running = (fixture: DockerHost): FakeService[] => [
  { Service: 'postgres', Publishers: [{ URL: '0.0.0.0', TargetPort: 5432, PublishedPort: fixture.ports.postgres, Protocol: 'tcp' }] },
  { Service: 'localstack', Publishers: [{ URL: '0.0.0.0', TargetPort: 4566, PublishedPort: fixture.ports.localstack, Protocol: 'tcp' }] },
];

/** A host whose stack the fake reports running, with Postgres data and the init script in the submodule. */
async function runningHost(): Promise<{ fixture: DockerHost; dataDir: string; initScript: string }> {
  const fixture = await makeDockerHost({ values: { DATALAYER_RUNTIME: 'docker' } });
  hosts.push(fixture);
  fixture.docker.setScenario({ definedServices: ['data-layer', 'postgres', 'localstack'], services: running(fixture) });
  const dataDir = path.join(fixture.host.submoduleDir, '.data', 'postgres');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'PG_VERSION'), '16\n');
  const initScript = fixture.host.write('extern/chainlit-datalayer/localstack-script.sh', '#!/bin/sh\n');
  return { fixture, dataDir, initScript };
}

const cli = (fixture: DockerHost, args: string[]) => runCli(args, { cwd: fixture.host.dir, env: fixture.env });
const downCalls = (fixture: DockerHost) => fixture.docker.calls().filter((argv) => composeSubcommand(argv) === 'down');

describe('datalayer down on Docker Compose', () => {
  it('stops the stack and keeps the data directory', async () => {
    const { fixture, dataDir } = await runningHost();
    const run = await cli(fixture, ['down']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Stopped \(docker\)/);
    expect(run.stdout).toMatch(/data is kept/);
    const calls = downCalls(fixture);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.slice(-1)).toEqual(['down']);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('`down --volumes` without a terminal and without --yes: exit 6, nothing stopped or deleted', async () => {
    const { fixture, dataDir } = await runningHost();
    const run = await cli(fixture, ['down', '--volumes']);
    expect(run.exitCode).toBe(6);
    expect(run.stderr).toContain('extern/chainlit-datalayer/.data/postgres');
    expect(run.stderr).toMatch(/--yes/);
    expect(downCalls(fixture)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('`down --volumes --yes` passes -v and deletes the submodule data directory, nothing else', async () => {
    const { fixture, dataDir, initScript } = await runningHost();
    const run = await cli(fixture, ['down', '--volumes', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    expect(jsonOf(run)).toMatchObject({ ok: true, command: 'down' });
    expect(dataOf(run)).toMatchObject({ runtime: 'docker', stopped: true, volumes: true, deleted: ['extern/chainlit-datalayer/.data/postgres'] });
    expect(downCalls(fixture).map((argv) => argv.slice(-2))).toEqual([['down', '-v']]);
    expect(existsSync(dataDir)).toBe(false);
    // The bind-mounted init script and the compose file belong to the submodule, not to the data.
    expect(existsSync(initScript)).toBe(true);
    expect(existsSync(path.join(fixture.host.submoduleDir, 'compose.yaml'))).toBe(true);
  });

  it('with nothing running: exit 0 and no compose `down`', async () => {
    const { fixture } = await runningHost();
    fixture.docker.setScenario({ definedServices: ['data-layer', 'postgres', 'localstack'], services: [] });
    const run = await cli(fixture, ['down']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Nothing is running/);
    expect(downCalls(fixture)).toEqual([]);
  });
});
