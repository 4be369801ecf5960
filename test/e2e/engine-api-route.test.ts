import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { composeCallLine, describeEngine, docker } from '../helpers/engine.js';
import { forkUpstream, makeEngineHost, type EngineHost } from '../helpers/engine-host.js';
import { makeGitSandbox, type GitSandbox } from '../helpers/git-fixtures.js';
import { freePort } from '../helpers/real-postgres.js';

interface ServiceRow {
  name: string;
  state: string;
  ports: Array<{ published: number; target: number }>;
}

/**
 * A running stack's `up` and `status` read the containers' states from the Docker Engine API on the
 * route the last `up` proved, without starting a CLI. The stack is then changed behind datalayer's
 * back with `docker` and `.env`: neither command may answer from what it saw before.
 */
describeEngine('a running Docker stack read through the Engine API: never a stale answer', () => {
  let sandbox: GitSandbox;
  let host: EngineHost;
  const container = (service: string) => `${host.project}-${service}-1`;
  const record = () => JSON.parse(readFileSync(path.join(host.dir, '.datalayer', 'runtime.json'), 'utf8')) as { engineApi?: { socket: string; client: string; compose?: string; plugin?: { path: string } } };
  const services = (run: Awaited<ReturnType<EngineHost['cli']>>) => (dataOf(run).services as ServiceRow[]).filter((row) => row.name !== 'data-layer');

  beforeAll(async () => {
    sandbox = makeGitSandbox();
    host = await makeEngineHost(sandbox, forkUpstream(sandbox));
    const up = await host.cli(['up', '--runtime', 'docker', '--json', '--verbose']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    // Once proven, the route also gives this first `up` the states it reports.
    expect(services(up).map((row) => [row.name, row.state, row.ports[0]?.published])).toEqual([
      ['postgres', 'running', host.ports.postgres],
      ['localstack', 'running', host.ports.localstack],
    ]);
  });
  afterAll(async () => {
    await host?.cleanup();
    sandbox?.cleanup();
  });

  it('`up` records the route it proved; a warm `up` and `status` then run no docker command and report the published ports', async () => {
    expect(record().engineApi?.socket).toMatch(/\.sock$/);
    const composeVersion = (await docker(['compose', 'version', '--short'])).stdout.trim().replace(/^v/, '');
    expect(record().engineApi?.compose).toBe(composeVersion);
    // The plugin's executable, where the docker CLI itself says it is.
    const plugin = (await docker(['info', '--format', '{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Path}}{{end}}{{end}}'])).stdout.trim();
    expect(record().engineApi?.plugin?.path).toBe(plugin);
    const up = await host.cli(['up', '--json', '--verbose']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ started: false, migrations: { appliedNow: [] } });
    expect(up.stderr).not.toMatch(/^\$ \S*docker/m);
    const status = await host.cli(['status', '--json', '--verbose']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).not.toMatch(/^\$ \S*docker/m);
    expect(services(status).map((row) => [row.name, row.state, row.ports[0]?.published])).toEqual([
      ['postgres', 'running', host.ports.postgres],
      ['localstack', 'running', host.ports.localstack],
    ]);
  });

  it('a container stopped with `docker stop`: `status` says not ready, `up` starts it again through Compose without asking the daemon or Compose\'s version again', async () => {
    expect((await docker(['stop', '--time', '2', container('localstack')])).exitCode).toBe(0);
    const status = await host.cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(5);
    expect(services(status).find((row) => row.name === 'localstack')?.state).toBe('exited');
    const up = await host.cli(['up', '--json', '--verbose']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ started: true });
    expect(up.stderr).toMatch(composeCallLine('.* up -d'));
    // The route's ping has just shown the daemon answers, and the route holds the plugin's version:
    // neither the daemon nor Compose is asked before Compose starts the container.
    expect(up.stderr).not.toMatch(/^\$ docker info/m);
    expect(up.stderr).not.toMatch(composeCallLine('version'));
    expect((await docker(['inspect', '--format', '{{.State.Status}}', container('localstack')])).stdout.trim()).toBe('running');
  });

  it('a container removed with `docker rm -f`: `status` says missing, `up` creates it again', async () => {
    expect((await docker(['rm', '-f', container('postgres')])).exitCode).toBe(0);
    const status = await host.cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(5);
    expect(services(status).find((row) => row.name === 'postgres')?.state).toBe('missing');
    expect(jsonOf(status).ok).toBe(false);
    const up = await host.cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ started: true });
    expect((await host.query<{ one: number }>('SELECT 1 AS one'))[0]?.one).toBe(1);
  });

  it('`.env` edited while it runs (LOCALSTACK_PORT): `up` sees the old port on the running container and refuses to call it ready', async () => {
    const port = await freePort();
    host.writeEnv({ LOCALSTACK_PORT: String(port) });
    const up = await host.cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(6);
    expect(up.stdout).toContain('LOCALSTACK_PORT');
    host.writeEnv({ LOCALSTACK_PORT: String(host.ports.localstack) });
  });

  it('`.env` edited while it runs (POSTGRES_PORT): `status` asks Postgres where `.env` now points and says it is not reachable there', async () => {
    const port = await freePort();
    host.writeEnv({ POSTGRES_PORT: String(port) });
    try {
      const status = await host.cli(['status', '--json']);
      expect(status.exitCode, status.stdout).toBe(5);
      expect(dataOf(status).postgres).toMatchObject({ reachable: false, url: expect.stringContaining(`:${port}/`) });
      expect(services(status).find((row) => row.name === 'postgres')).toMatchObject({ state: 'running', ports: [{ published: host.ports.postgres }] });
    } finally {
      host.writeEnv({ POSTGRES_PORT: String(host.ports.postgres) });
    }
  });

  it('the compose file edited (postgres renamed): the running container no longer counts, `status` says the service is missing', async () => {
    const composeFile = path.join(host.submoduleDir, 'compose.yaml');
    const original = readFileSync(composeFile, 'utf8');
    expect(original).toMatch(/^ {2}postgres:$/m);
    writeFileSync(composeFile, original.replace(/^ {2}postgres:$/m, '  db:').replace(/- postgres$/m, '- db'));
    try {
      const status = await host.cli(['status', '--json']);
      expect(status.exitCode, status.stdout).toBe(5);
      expect((dataOf(status).services as ServiceRow[]).find((row) => row.name === 'db')?.state).toBe('missing');
    } finally {
      writeFileSync(composeFile, original);
    }
  });

  it('a LocalStack restarted with `docker restart` (its memory, and the bucket, gone): `status` says the bucket is missing, a warm `up` creates it', async () => {
    expect((await docker(['restart', '--time', '2', container('localstack')])).exitCode).toBe(0);
    const status = await host.cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(5);
    expect(dataOf(status).bucket).toMatchObject({ name: host.bucket, present: false });
    const up = await host.cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ started: false, bucket: { name: host.bucket } });
    const after = await host.cli(['status', '--json']);
    expect(after.exitCode, after.stdout).toBe(0);
    expect(dataOf(after).bucket).toMatchObject({ present: true });
  });

  it('DOCKER_HOST names another path to the same daemon: the recorded route is not taken, Compose is asked', async () => {
    const socket = (process.env.DOCKER_HOST ?? '').replace(/^unix:\/\//, '');
    const link = path.join(sandbox.root, 'engine.sock');
    if (!existsSync(link)) symlinkSync(socket, link);
    const status = await host.cli(['status', '--json', '--verbose'], { DOCKER_HOST: `unix://${link}` });
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(status.stderr).toMatch(composeCallLine('.* ps -a --format json'));
    expect(services(status).map((row) => row.state)).toEqual(['running', 'running']);
  });

  it('DOCKER_HOST names a socket where no daemon answers: `status` reports no service running and is not ready, `up` stops with exit 4', async () => {
    const nowhere = { DOCKER_HOST: `unix://${path.join(sandbox.root, 'no-daemon.sock')}` };
    const status = await host.cli(['status', '--json'], nowhere);
    expect(status.exitCode, status.stdout).toBe(5);
    expect(dataOf(status).services).toEqual([]);
    expect((dataOf(status).problems as string[]).join('\n')).toMatch(/cannot be asked/);
    const up = await host.cli(['up', '--json'], nowhere);
    expect(up.exitCode, up.stdout + up.stderr).toBe(4);
    expect(jsonOf(up).ok).toBe(false);
  });

  it('another `docker` client first on PATH: the recorded route is not taken, Compose is asked', async () => {
    const wrapperDir = path.join(sandbox.root, 'wrapped-docker');
    mkdirSync(wrapperDir, { recursive: true });
    writeFileSync(path.join(wrapperDir, 'docker'), `#!/bin/sh\nexec '${firstDockerOnPath().replace(/'/g, `'\\''`)}' "$@"\n`, { mode: 0o755 });
    const wrapped = await host.cli(['status', '--verbose'], { PATH: `${wrapperDir}${path.delimiter}${process.env.PATH ?? ''}` });
    expect(wrapped.exitCode, wrapped.stdout + wrapped.stderr).toBe(0);
    expect(wrapped.stderr).toMatch(composeCallLine('.* ps -a --format json'));
  });
});

function firstDockerOnPath(): string {
  const found = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'docker')).find((candidate) => existsSync(candidate));
  if (!found) throw new Error('no docker client on PATH');
  return found;
}
