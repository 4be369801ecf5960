/**
 * Hostile files and concurrency on the Docker runtime, over a real engine: a `.env` that is not a
 * regular file is refused before Compose is called; edits racing each other while the stack runs
 * all land; `disable`/`enable` give every byte back and `down` after `disable` still stops the stack;
 * Ctrl-C or SIGTERM during `up` stops Compose and leaves what it made findable; and `down` never
 * touches another compose project, whose name our project's extends or is extended by.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataOf, runCli, type CliRun } from '../helpers/cli.js';
import { withValues } from '../helpers/docker-host.js';
import { DATA_LAYER_COMPOSE } from '../helpers/engine-compose.js';
import { compose, composeCallLine, describeEngine, docker, projectContainers, projectNetworks, removeEngineStack } from '../helpers/engine.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort } from '../helpers/no-docker-env.js';
import { commandLineOf, stackValues, uniqueSecrets } from '../reliability/native-host.js';
import { lockPresent, startCli } from '../reliability/processes.js';

/** Another compose project: services named like ours, a named volume, its own network. */
const NEIGHBOUR_COMPOSE = `services:
  postgres:
    image: postgres:16
    entrypoint: ["sleep", "3600"]
    volumes:
      - keep:/keep
  localstack:
    image: localstack/localstack:4.12
    entrypoint: ["sleep", "3600"]
volumes:
  keep: {}
`;

const notRoot = process.getuid?.() === 0 ? undefined : 'needs root, to make a device node (mknod)';

describeEngine('hostile files and concurrency on the Docker runtime (real engine)', () => {
  let host: HostFixture;
  let original: string;
  const project = `dl-hostile-${process.pid}`;
  /** Compose projects whose names are a prefix of ours and an extension of it. */
  const neighbours = [project.slice(0, -1), `${project}2`];
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-hostile-docker-'));
  const env = { PATH: process.env.PATH ?? '' };
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: host.dir, env, timeoutMs: 300_000 });
  const envPath = () => path.join(host.dir, '.env');
  const running = async () => (await docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean).sort();
  const composeCalls = (run: CliRun) => run.stderr.split('\n').filter((line) => composeCallLine('(?!version)').test(line));

  beforeAll(async () => {
    const secrets = uniqueSecrets('hostile');
    const ports = { postgres: await freePort(), s3: await freePort() };
    original = withValues(seedEnv({ secret: secrets.authSecret }), {
      COMPOSE_PROJECT_NAME: project,
      DATALAYER_RUNTIME: 'docker',
      ...stackValues(secrets, ports),
    });
    host = makeHost({ compose: DATA_LAYER_COMPOSE, env: original });
    await writeChainlitMigrations(host.submoduleDir);
    for (const name of neighbours) {
      const dir = path.join(scratch, name);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'compose.yaml'), NEIGHBOUR_COMPOSE);
      const up = await compose(['-p', name, 'up', '-d'], { cwd: dir });
      expect(up.exitCode, up.stderr).toBe(0);
    }
    const up = await cli(['up', '--timeout', '240']);
    expect(up.exitCode, up.stderr).toBe(0);
  }, 400_000);

  afterAll(async () => {
    if (host) {
      if (existsSync(envPath())) unlinkSync(envPath());
      writeFileSync(envPath(), original);
      await removeEngineStack(host, project, cli);
    }
    for (const name of neighbours) await compose(['-p', name, 'down', '--volumes', '--timeout', '1'], { cwd: path.join(scratch, name) });
    rmSync(scratch, { recursive: true, force: true });
  }, 300_000);

  /** Puts `replace()` in place of `.env` for the duration of `body`, then the original file back. */
  async function withEnvReplaced(replace: (target: string) => void, body: () => Promise<void>): Promise<void> {
    unlinkSync(envPath());
    try {
      replace(envPath());
      await body();
    } finally {
      unlinkSync(envPath());
      writeFileSync(envPath(), original);
    }
  }

  async function expectRefusedBeforeCompose(words: RegExp): Promise<void> {
    const before = await running();
    for (const args of [['up'], ['status'], ['down'], ['logs'], ['migrate'], ['backup', 'never.tar.gz'], ['check', '--connect'], ['down', '--volumes', '--yes']]) {
      const run = await runCli([...args, '--verbose'], { cwd: host.dir, env, timeoutMs: 60_000 });
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout}\n${run.stderr}`).toBe(3);
      expect(run.stderr, args.join(' ')).toMatch(words);
      expect(run.stderr, args.join(' ')).toMatch(/^hint: /m);
      expect(composeCalls(run), args.join(' ')).toEqual([]);
    }
    expect(await running()).toEqual(before);
    expect(existsSync(path.join(host.dir, 'never.tar.gz'))).toBe(false);
  }

  it('.env a FIFO, or a link to one: every command refuses it before Compose is called, the stack untouched', async () => {
    expect(await running()).toEqual([`${project}-localstack-1`, `${project}-postgres-1`]);
    await withEnvReplaced((target) => execFileSync('mkfifo', [target]), () => expectRefusedBeforeCompose(/\.env is a named pipe \(FIFO\), not a regular file/));
    const fifo = path.join(scratch, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await withEnvReplaced((target) => symlinkSync(fifo, target), () => expectRefusedBeforeCompose(/named pipe \(FIFO\)/));
  });

  it.skipIf(notRoot !== undefined)(`.env a link to a character device: refused before Compose is called, the device stays a device${notRoot ? ` — skipped: ${notRoot}` : ''}`, async () => {
    const device = path.join(scratch, 'null-device');
    execFileSync('mknod', [device, 'c', '1', '3']);
    await withEnvReplaced((target) => symlinkSync(device, target), () => expectRefusedBeforeCompose(/character device/));
    expect(execFileSync('stat', ['-c', '%F', device], { encoding: 'utf8' }).trim()).toBe('character special file');
  });

  it('secret --write beside disable while the stack runs, 10 rounds: both edits land every time', async () => {
    const oldSecret = /^CHAINLIT_AUTH_SECRET=(\S+)/m.exec(original)![1]!;
    const lost: string[] = [];
    try {
      for (let round = 1; round <= 10; round += 1) {
        writeFileSync(envPath(), original);
        const [secret, disable] = await Promise.all([cli(['secret', '--write']), cli(['disable'])]);
        expect(secret.exitCode, secret.stderr).toBe(0);
        expect(disable.exitCode, disable.stderr).toBe(0);
        const text = readFileSync(envPath(), 'utf8');
        if (text.includes(oldSecret)) lost.push(`round ${round}: the new secret`);
        if (/^CHAINLIT_DATALAYER_COMPOSE=/m.test(text)) lost.push(`round ${round}: the disable`);
      }
    } finally {
      writeFileSync(envPath(), original);
    }
    expect(lost).toEqual([]);
    expect(await running()).toEqual([`${project}-localstack-1`, `${project}-postgres-1`]);
  });

  it('runtime.json gone or corrupt while the stack runs: status sees the containers, up keeps them (same ids)', async () => {
    const record = path.join(host.dir, '.datalayer', 'runtime.json');
    const ids = async () => (await docker(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean).sort();
    const before = await ids();
    expect(before).toHaveLength(2);
    for (const damage of ['gone', 'corrupt']) {
      if (damage === 'gone') rmSync(record, { force: true });
      else writeFileSync(record, '{"runtime": "dock');
      const status = await cli(['status', '--json']);
      expect(status.exitCode, `${damage}: ${status.stdout}${status.stderr}`).toBe(0);
      expect(dataOf(status)).toMatchObject({ runtime: 'docker', ready: true });
      const up = await cli(['up', '--json']);
      expect(up.exitCode, up.stdout + up.stderr).toBe(0);
      expect(await ids()).toEqual(before);
      // Written again: `down` after `disable` (next test) needs it to find the stack.
      expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ runtime: 'docker', project });
    }
  });

  it('disable then enable gives every byte back while the stack runs; down after disable still stops it', async () => {
    const disable = await cli(['disable']);
    expect(disable.exitCode, disable.stderr).toBe(0);
    const disabled = readFileSync(envPath(), 'utf8');
    expect(disabled).not.toBe(original);
    expect(disabled.replaceAll('#[disabled by datalayer] ', '')).toBe(original);
    const enable = await cli(['enable']);
    expect(enable.exitCode, enable.stderr).toBe(0);
    expect(readFileSync(envPath(), 'utf8')).toBe(original);
    const status = await cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(0);

    expect((await cli(['disable'])).exitCode).toBe(0);
    const down = await cli(['down', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down)).toMatchObject({ runtime: 'docker', stopped: true });
    expect(await projectContainers(project)).toEqual([]);
    expect((await cli(['enable'])).exitCode).toBe(0);
    expect(readFileSync(envPath(), 'utf8')).toBe(original);
  });

  /**
   * Processes of Compose working on our project: the docker client and its plugin (`docker compose
   * -p ...`, the plugin run as `docker-compose compose -p ...`), or the plugin's executable run by
   * itself (`.../cli-plugins/docker-compose -p ...`).
   */
  const composeProcesses = () =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => {
        const line = commandLineOf(pid);
        return /(?:^|\s|\/)docker[- ]compose /.test(line) && line.includes(` ${project} `);
      });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s during `up`: exit %i, Compose stopped with it, the lock released; status and down find the containers', async (signal, code) => {
    expect(await projectContainers(project)).toEqual([]);
    // The signal must come while Compose works, after it created a container. On a fast machine
    // Compose may be done before the look: then that `up` is taken down and tried again.
    let up: ReturnType<typeof startCli> | undefined;
    let compose: number[] = [];
    for (let attempt = 1; compose.length === 0; attempt += 1) {
      if (attempt > 5) throw new Error('Compose was done every time before the signal could reach it');
      if (up) {
        expect((await up.result()).exitCode).toBe(0);
        expect((await cli(['down'])).exitCode).toBe(0);
      }
      up = startCli(['up', '--verbose', '--timeout', '240'], { cwd: host.dir, env });
      await up.waitForStderr(composeCallLine('.* up '), 120_000);
      for (let tries = 0; (await projectContainers(project)).length === 0; tries += 1) {
        if (tries > 600) throw new Error('Compose created no container');
        await new Promise((done) => setTimeout(done, 50));
      }
      compose = composeProcesses();
    }
    up!.child.kill(signal);
    const result = await up!.result();
    expect(result.exitCode, result.stderr).toBe(code);
    expect(compose.filter((pid) => commandLineOf(pid) !== '')).toEqual([]);
    expect(composeProcesses()).toEqual([]);
    expect(lockPresent(path.join(host.dir, '.datalayer'))).toBe(false);
    const status = await cli(['status', '--json']);
    expect([0, 5], status.stdout).toContain(status.exitCode);
    const services = (dataOf(status).services as Array<{ name: string; state: string }>).filter((service) => service.state !== 'missing');
    expect(services.length, status.stdout).toBeGreaterThan(0);
    const down = await cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await projectContainers(project)).toEqual([]);
  });

  it('down --volumes of our project leaves the projects named like it alone: containers, network and volume', async () => {
    const up = await cli(['up', '--timeout', '240']);
    expect(up.exitCode, up.stderr).toBe(0);
    const status = await cli(['status', '--json']);
    expect((dataOf(status).services as Array<{ container?: string; name: string }>).map((service) => service.name).sort()).toEqual(['localstack', 'postgres']);
    const down = await cli(['down', '--volumes', '--yes']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await projectContainers(project)).toEqual([]);
    expect(await projectNetworks(project)).toEqual([]);
    for (const name of neighbours) {
      const states = await docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${name}`, '--format', '{{.Names}} {{.State}}']);
      expect(states.stdout.split('\n').filter(Boolean).sort(), name).toEqual([`${name}-localstack-1 running`, `${name}-postgres-1 running`]);
      expect(await projectNetworks(name), name).toEqual([`${name}_default`]);
      const volumes = await docker(['volume', 'ls', '--filter', `label=com.docker.compose.project=${name}`, '--format', '{{.Name}}']);
      expect(volumes.stdout.trim(), name).toBe(`${name}_keep`);
    }
  });
});
