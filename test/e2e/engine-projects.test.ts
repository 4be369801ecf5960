import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataOf } from '../helpers/cli.js';
import { compose, describeEngine, docker, projectContainers, projectNetworks, unwantedOutput } from '../helpers/engine.js';
import { ENGINE_IMAGES } from '../helpers/engine-probe.js';
import { forkUpstream, makeEngineHost, type EngineHost } from '../helpers/engine-host.js';
import { makeGitSandbox, type GitSandbox } from '../helpers/git-fixtures.js';

/**
 * Several compose projects on one real engine: a port held by another project's container, two
 * OpenRAG hosts side by side, and a LocalStack image that exits 55 for want of a token.
 */
describeEngine('datalayer on a real engine: projects side by side', () => {
  let sandbox: GitSandbox;
  let first: EngineHost;
  let second: EngineHost;
  let tokenHost: EngineHost;
  const squatter = `squatter-${process.pid}`;
  // The name a fork-shaped compose file uses for LocalStack in the exit-55 scenario (tagged per run).
  const tokenImage = `datalayer-e2e-${process.pid}/localstack:latest`;

  beforeAll(async () => {
    sandbox = makeGitSandbox();
    const upstream = forkUpstream(sandbox);
    [first, second] = [await makeEngineHost(sandbox, upstream), await makeEngineHost(sandbox, upstream)];
    tokenHost = await makeEngineHost(sandbox, forkUpstream(sandbox, { name: 'chainlit-datalayer-token', localstackImage: tokenImage }));
  });
  afterAll(async () => {
    await compose(['-p', squatter, 'down', '--timeout', '2']);
    await Promise.all([first, second, tokenHost].map((host) => host?.cleanup()));
    await docker(['rmi', tokenImage]);
    sandbox?.cleanup();
  });

  it('a port held by a container of another compose project is refused before anything starts (exit 6), naming the container and the variable', async () => {
    const dir = path.join(sandbox.root, squatter);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), `services:\n  s3:\n    image: ${ENGINE_IMAGES.localstackCommunity}\n    ports:\n      - "${first.ports.localstack}:4566"\n`);
    const squat = await compose(['-p', squatter, 'up', '-d'], { cwd: dir });
    expect(squat.exitCode, squat.stderr).toBe(0);
    const up = await first.cli(['up']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(6);
    expect(up.stderr).toContain(`Port ${first.ports.localstack} (LOCALSTACK_PORT, service localstack) is already in use by container ${squatter}-s3-1`);
    expect(up.stderr).toContain(`docker stop ${squatter}-s3-1`);
    expect(await projectContainers(first.project)).toEqual([]);
    expect((await compose(['-p', squatter, 'down', '--timeout', '2'])).exitCode).toBe(0);
  });

  it('two OpenRAG hosts side by side stay apart: their own containers, network, data and bucket; down of one leaves the other ready', async () => {
    const ups = await Promise.all([first.cli(['up']), second.cli(['up'])]);
    for (const up of ups) expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(await projectContainers(first.project)).toEqual([`${first.project}-localstack-1`, `${first.project}-postgres-1`]);
    expect(await projectContainers(second.project)).toEqual([`${second.project}-localstack-1`, `${second.project}-postgres-1`]);
    expect(await projectNetworks(first.project)).toEqual([`${first.project}_default`]);

    await first.query(`INSERT INTO "User" (identifier, metadata) VALUES ('only-in-first', '{}')`);
    expect(await second.query('SELECT identifier FROM "User"')).toEqual([]);
    await first.s3().send(new PutObjectCommand({ Bucket: first.bucket, Key: 'only-in-first.txt', Body: 'first' }));
    await expect(second.s3().send(new HeadObjectCommand({ Bucket: second.bucket, Key: 'only-in-first.txt' }))).rejects.toThrow();

    const status = dataOf(await first.cli(['status', '--json'])) as { services: Array<{ container?: string }> };
    expect(status.services.flatMap((service) => (service.container ? [service.container] : [])).sort()).toEqual(await projectContainers(first.project));

    expect((await first.cli(['down'])).exitCode).toBe(0);
    expect(await projectContainers(first.project)).toEqual([]);
    const other = await second.cli(['status']);
    expect(other.exitCode, other.stdout).toBe(0);
  });

  it('a LocalStack image that exits 55 ends `up` on the exit, with a hint that works: tagging a community release under that name', async () => {
    expect((await docker(['tag', ENGINE_IMAGES.localstackNeedsToken, tokenImage])).exitCode).toBe(0);
    const failed = await tokenHost.cli(['up', '--timeout', '120']);
    expect(failed.exitCode, failed.stdout + failed.stderr).toBe(5);
    // Ended by the exit, not by the 120 s deadline.
    expect(failed.stderr).toMatch(/S3 \(service localstack\) exited with code 55 while datalayer was waiting for it/);
    expect(failed.stderr).not.toMatch(/not ready in time/);
    expect(failed.stderr).toContain('LOCALSTACK_AUTH_TOKEN in .env cannot help');

    const tag = /`docker pull (\S+) && docker tag (\S+) (\S+)`/.exec(failed.stderr);
    expect(tag?.slice(2)).toEqual([ENGINE_IMAGES.localstackCommunity, tokenImage]);
    // The pull needs a registry; the engine set-up has the community release already.
    expect((await docker(['tag', tag![2]!, tag![3]!])).exitCode).toBe(0);

    const up = await tokenHost.cli(['up']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect((await tokenHost.cli(['status'])).exitCode).toBe(0);
  });

  it('no command printed a Node warning, a terminal control sequence or a secret', () => {
    for (const host of [first, second, tokenHost]) {
      for (const run of host.runs) {
        const output = run.stdout + run.stderr;
        expect(unwantedOutput(output), `datalayer ${run.args.join(' ')}`).toEqual([]);
        for (const secret of Object.values(host.secrets)) expect(output, `datalayer ${run.args.join(' ')}`).not.toContain(secret);
      }
    }
  });
});
