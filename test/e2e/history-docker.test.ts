import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataOf, runCli, type CliRun } from '../helpers/cli.js';
import { rowCount, s3ClientOf, seedChatHistory, snapshotChatHistory, type S3Access } from '../helpers/chat-history.js';
import { withValues } from '../helpers/docker-host.js';
import { makeHost, postgresService, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { writeChainlitMigrations } from '../helpers/migration-fixtures.js';
import { freePort } from '../helpers/no-docker-env.js';
import { describeEngine, docker as dockerCli, projectContainers } from '../helpers/engine.js';
import { makeNativeHost, stackValues, uniqueSecrets, type NativeHost } from '../reliability/native-host.js';
import { startCli } from '../reliability/processes.js';

/**
 * Chat history on a real Docker engine, with images of the shapes the fork's compose file names:
 * `postgres:16` on a bind-mounted data directory and a LocalStack that keeps S3 in memory, as the
 * real community image does. Attachments survive `down`/`up` (and a save cut short); a backup made
 * on Docker restores on the native runtime and back; a data directory of another major stops `up`
 * before any container exists.
 */

const composeText = (postgresImage: string) => `services:
${postgresService(postgresImage)}  localstack:
    image: localstack/localstack:4.12
    environment:
      SERVICES: s3
    ports:
      - "\${LOCALSTACK_PORT:-4566}:4566"
`;

interface DockerStack {
  host: HostFixture;
  project: string;
  secrets: ReturnType<typeof uniqueSecrets>;
  ports: { postgres: number; s3: number };
  cli(args: string[]): Promise<CliRun>;
  databaseUrl(): string;
  s3(): S3Access;
}

async function makeDockerStack(tag: string, postgresImage = 'postgres:16'): Promise<DockerStack> {
  const secrets = uniqueSecrets(tag);
  const ports = { postgres: await freePort(), s3: await freePort() };
  const project = `dl-${tag}-${process.pid}`;
  const host = makeHost({
    compose: composeText(postgresImage),
    env: withValues(seedEnv({ secret: secrets.authSecret }), {
      COMPOSE_PROJECT_NAME: project,
      DATALAYER_RUNTIME: 'docker',
      ...stackValues(secrets, ports),
    }),
  });
  await writeChainlitMigrations(host.submoduleDir);
  return {
    host,
    project,
    secrets,
    ports,
    cli: (args) => runCli(args, { cwd: host.dir, env: { PATH: process.env.PATH }, timeoutMs: 300_000 }),
    databaseUrl: () => `postgresql://chainlit:${encodeURIComponent(secrets.password)}@127.0.0.1:${ports.postgres}/chainlit`,
    s3: () => ({ endpoint: `http://127.0.0.1:${ports.s3}`, bucket: 'chainlit-files', accessKey: secrets.accessKey, secretKey: secrets.secretKey }),
  };
}

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const savedCopy = (stack: DockerStack) => path.join(stack.host.dir, '.datalayer', 'saved-objects.tar.gz');

/** LocalStack's S3 answering on the published port again (after `docker restart`), without waiting a fixed time. */
async function untilS3Answers(stack: DockerStack): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  for (;;) {
    const health = await fetch(`${stack.s3().endpoint}/_localstack/health`)
      .then(async (response) => (response.ok ? ((await response.json()) as { services?: { s3?: string } }) : undefined))
      .catch(() => undefined);
    if (health?.services?.s3 === 'running' || health?.services?.s3 === 'available') return;
    if (Date.now() > giveUpAt) throw new Error('LocalStack did not answer again within 120 s');
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Files staged so far by the save of process `pid` (`.datalayer/tmp/staging-<pid>-*`), without waiting a fixed time. */
async function untilStaged(stack: DockerStack, pid: number, atLeast: number): Promise<void> {
  const tmp = path.join(stack.host.dir, '.datalayer', 'tmp');
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const staged = existsSync(tmp)
      ? readdirSync(tmp).filter((dir) => dir.startsWith(`staging-${pid}-`)).flatMap((dir) => {
          const objects = path.join(tmp, dir, 'objects');
          return existsSync(objects) ? readdirSync(objects) : [];
        })
      : [];
    if (staged.length >= atLeast) return;
    if (Date.now() > giveUpAt) throw new Error(`no ${atLeast} staged objects under ${tmp} within 60 s`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

describeEngine('chat history on a real Docker engine', () => {
  let docker: DockerStack;
  let native: NativeHost;
  const nativeCli = (args: string[]) => runCli(args, { cwd: native.host.dir, env: { PATH: process.env.PATH }, timeoutMs: 300_000 });
  const nativeS3 = (): S3Access => ({ endpoint: `http://127.0.0.1:${native.ports.s3}`, bucket: 'chainlit-files', accessKey: native.secrets.accessKey, secretKey: native.secrets.secretKey });

  beforeAll(async () => {
    docker = await makeDockerStack('hist');
    native = await makeNativeHost('histnative');
    const up = await docker.cli(['up', '--timeout', '240']);
    expect(up.exitCode, up.stderr).toBe(0);
    const nativeUp = await nativeCli(['up']);
    expect(nativeUp.exitCode, nativeUp.stderr).toBe(0);
  }, 400_000);

  afterAll(async () => {
    if (docker) {
      await docker.cli(['down', '--volumes', '--yes']);
      docker.host.cleanup();
    }
    if (native) {
      await nativeCli(['down', '--volumes', '--yes']);
      await native.cleanup();
    }
  }, 300_000);

  it('objects written through the AWS SDK come back after down and up: the same bytes, content types and metadata', async () => {
    await seedChatHistory(docker.databaseUrl(), docker.s3(), { steps: 120, objects: 10, tag: 'docker' });
    const body = randomBytes(70_000);
    await s3ClientOf(docker.s3()).send(new PutObjectCommand({ Bucket: 'chainlit-files', Key: 'streamed/notes.txt', Body: Readable.from([body]), ContentLength: body.length, ContentType: 'text/plain; charset=utf-8', Metadata: { author: 'sdk' } }));
    const before = await snapshotChatHistory(docker.databaseUrl(), docker.s3());
    expect(Object.keys(before.objects)).toHaveLength(11);

    const down = await docker.cli(['down', '--json']);
    expect(down.exitCode, down.stdout).toBe(0);
    expect(dataOf(down)).toMatchObject({ stopped: true, savedObjects: { objects: 11, file: '.datalayer/saved-objects.tar.gz' } });
    expect(await projectContainers(docker.project)).toEqual([]);

    const up = await docker.cli(['up', '--json', '--timeout', '240']);
    expect(up.exitCode, up.stdout).toBe(0);
    expect(dataOf(up)).toMatchObject({ savedObjects: { restored: 11, saved: 11 } });
    expect(await snapshotChatHistory(docker.databaseUrl(), docker.s3())).toEqual(before);
  });

  it('SIGKILL or Ctrl-C during the save leaves the previous copy usable and the services running', async () => {
    const previous = sha256Of(savedCopy(docker));
    const client = s3ClientOf(docker.s3());
    for (let i = 0; i < 120; i++) {
      await client.send(new PutObjectCommand({ Bucket: 'chainlit-files', Key: `bulk/${i}.bin`, Body: randomBytes(150_000), ContentType: 'application/octet-stream' }));
    }
    const killed = startCli(['down'], { cwd: docker.host.dir, env: { PATH: process.env.PATH ?? '' } });
    await untilStaged(docker, killed.child.pid!, 10);
    killed.child.kill('SIGKILL');
    await killed.result();
    expect(sha256Of(savedCopy(docker))).toBe(previous);

    const interrupted = startCli(['down'], { cwd: docker.host.dir, env: { PATH: process.env.PATH ?? '' } });
    await untilStaged(docker, interrupted.child.pid!, 10);
    interrupted.child.kill('SIGINT');
    const result = await interrupted.result();
    expect(result.exitCode, result.stderr).toBe(130);
    expect(sha256Of(savedCopy(docker))).toBe(previous);
    expect(existsSync(path.join(docker.host.dir, '.datalayer', 'tmp'))).toBe(false);
    const status = await docker.cli(['status', '--json']);
    expect(dataOf(status)).toMatchObject({ ready: true });

    // The copy left behind is whole: a full cycle still brings everything back.
    const before = await snapshotChatHistory(docker.databaseUrl(), docker.s3());
    expect((await docker.cli(['down'])).exitCode).toBe(0);
    expect((await docker.cli(['up', '--timeout', '240'])).exitCode).toBe(0);
    expect(await snapshotChatHistory(docker.databaseUrl(), docker.s3())).toEqual(before);
  });

  it('a LocalStack restarted behind datalayer\'s back: status names the saved objects it lacks and the attachments lost with its memory; up puts back the saved ones', async () => {
    const before = await snapshotChatHistory(docker.databaseUrl(), docker.s3());
    // Uploaded after the last `down`: only in LocalStack's memory, in no saved copy.
    await seedChatHistory(docker.databaseUrl(), docker.s3(), { steps: 1, objects: 1, tag: 'unsaved' });
    expect((await dockerCli(['restart', `${docker.project}-localstack-1`])).exitCode).toBe(0);
    // `docker restart` returns once the container runs, not once S3 in it answers: before then,
    // status can only say S3 is not ready, not which objects it lacks.
    await untilS3Answers(docker);
    const status = await docker.cli(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(5);
    const saved = dataOf(status).savedObjects as { missing: number; lost: string[] };
    expect(saved.missing).toBe(Object.keys(before.objects).length);
    expect(saved.lost).toEqual([expect.stringMatching(/unsaved file 0\+v\.bin$/)]);
    const up = await docker.cli(['up', '--timeout', '240']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await snapshotChatHistory(docker.databaseUrl(), docker.s3())).objects).toEqual(before.objects);
    const after = await docker.cli(['status', '--json']);
    expect(after.exitCode, after.stdout).toBe(0);
    expect(dataOf(after).savedObjects).toMatchObject({ missing: 0, lost: [expect.stringMatching(/unsaved file 0/)] });
  });

  it('backup on the Docker runtime, restore on the native one: every row, the ledger and every object identical', async () => {
    const backup = await docker.cli(['backup', 'from-docker.tar.gz', '--json']);
    expect(backup.exitCode, backup.stdout).toBe(0);
    expect(dataOf(backup)).toMatchObject({ runtime: 'docker', tables: 6 });
    copyFileSync(path.join(docker.host.dir, 'from-docker.tar.gz'), path.join(native.host.dir, 'from-docker.tar.gz'));
    const restore = await nativeCli(['restore', 'from-docker.tar.gz']);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const [source, target] = await Promise.all([snapshotChatHistory(docker.databaseUrl(), docker.s3()), snapshotChatHistory(native.databaseUrl(), nativeS3())]);
    expect(rowCount(target)).toBeGreaterThan(150);
    expect(target).toEqual(source);
  });

  it('restore into the non-empty target is refused with exit 6 and nothing changes', async () => {
    const before = await snapshotChatHistory(native.databaseUrl(), nativeS3());
    const refused = await nativeCli(['restore', 'from-docker.tar.gz']);
    expect(refused.exitCode, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/The target is not empty/);
    expect(await snapshotChatHistory(native.databaseUrl(), nativeS3())).toEqual(before);
  });

  it('backup on the native runtime, restore on Docker (emptied with down --volumes): identical', async () => {
    await seedChatHistory(native.databaseUrl(), nativeS3(), { steps: 30, objects: 3, tag: 'native-extra' });
    const backup = await nativeCli(['backup', 'from-native.tar.gz']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const wipe = await docker.cli(['down', '--volumes', '--yes', '--json']);
    expect(wipe.exitCode, wipe.stdout).toBe(0);
    expect(dataOf(wipe).deleted).toContain('.datalayer/saved-objects.tar.gz');
    expect(existsSync(savedCopy(docker))).toBe(false);
    expect((await docker.cli(['up', '--timeout', '240'])).exitCode).toBe(0);
    copyFileSync(path.join(native.host.dir, 'from-native.tar.gz'), path.join(docker.host.dir, 'from-native.tar.gz'));
    const restore = await docker.cli(['restore', 'from-native.tar.gz']);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const [source, target] = await Promise.all([snapshotChatHistory(native.databaseUrl(), nativeS3()), snapshotChatHistory(docker.databaseUrl(), docker.s3())]);
    expect(target).toEqual(source);
  });

  it('a data directory of major 16 under a compose file that says postgres:17: exit 3, and no container is created', async () => {
    const stack = await makeDockerStack('major', 'postgres:17');
    try {
      mkdirSync(path.join(stack.host.submoduleDir, '.data', 'postgres'), { recursive: true });
      writeFileSync(path.join(stack.host.submoduleDir, '.data', 'postgres', 'PG_VERSION'), '16\n');
      const up = await stack.cli(['up']);
      expect(up.exitCode, up.stderr).toBe(3);
      expect(up.stderr).toMatch(/PostgreSQL 16 data, but service postgres runs postgres:17 \(PostgreSQL 17\)/);
      expect(await projectContainers(stack.project)).toEqual([]);
    } finally {
      stack.host.cleanup();
    }
  });
});
