import { GetBucketCorsCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { execa } from 'execa';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEntry, dataOf } from '../helpers/cli.js';
import { describeEngine, docker, engineRequired, projectContainers, projectNetworks, unwantedOutput } from '../helpers/engine.js';
import { forkUpstream, makeEngineHost, type EngineHost } from '../helpers/engine-host.js';
import { makeGitSandbox, type GitSandbox } from '../helpers/git-fixtures.js';
import { legacyComposeOnlyPath, legacyComposeUnavailable } from '../helpers/legacy-compose.js';

/** Whether every process of the group has ended, looking for up to 5 s. */
async function processGroupGone(pgid: number): Promise<boolean> {
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
      throw error;
    }
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One OpenRAG-shaped host on the real engine, its stack shared by the scenarios below in order:
 * plain `up`, warm `up`, status, the host's own compose, logs, an extra service, Compose 1.29,
 * down and up again, down --volumes.
 */
describeEngine('datalayer on a real engine: one OpenRAG-shaped host', () => {
  let sandbox: GitSandbox;
  let host: EngineHost;

  beforeAll(async () => {
    sandbox = makeGitSandbox();
    host = await makeEngineHost(sandbox, forkUpstream(sandbox));
  });
  afterAll(async () => {
    await host?.cleanup();
    sandbox?.cleanup();
  });

  const containers = () => ({ postgres: `${host.project}-postgres-1`, localstack: `${host.project}-localstack-1` });

  it('plain `up` starts Postgres and LocalStack only, and names the build-only service it left out', async () => {
    const up = await host.cli(['up']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(await projectContainers(host.project)).toEqual([containers().localstack, containers().postgres].sort());
    expect(up.stdout).toMatch(/Not started: data-layer\b/);
    expect(up.stdout).toContain('datalayer up --with data-layer');
    // Nothing tried to build it.
    expect(up.stderr).not.toMatch(/python|Dockerfile|build/i);
  });

  it("the data layer is ready: both migrations in Prisma's ledger, the bucket with CORS, the init script's my-bucket", async () => {
    const ledger = await host.query<{ migration_name: string; finished_at: Date | null }>('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name');
    expect(ledger.map((row) => row.migration_name)).toEqual(['20250103173917_init_data_layer', '20250108095538_add_tags_to_thread']);
    expect(ledger.every((row) => row.finished_at !== null)).toBe(true);
    const s3 = host.s3();
    await s3.send(new HeadBucketCommand({ Bucket: host.bucket }));
    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: host.bucket }));
    expect(cors.CORSRules?.[0]?.AllowedMethods).toEqual(['GET', 'POST', 'PUT']);
    await s3.send(new HeadBucketCommand({ Bucket: 'my-bucket' }));
  });

  it('warm `up` only verifies: nothing started, no migration applied', async () => {
    const up = await host.cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(dataOf(up)).toMatchObject({ runtime: 'docker', project: host.project, started: false, migrations: { appliedNow: [] }, leftOut: ['data-layer'] });
  });

  let statusServices: Array<{ name: string; state: string; container?: string; ports: Array<{ published: number }> }> = [];

  it('`status` and `status --json` report the data-layer services running and the stack ready', async () => {
    const text = await host.cli(['status']);
    expect(text.exitCode, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toMatch(/postgres\s+running/);
    expect(text.stdout).toMatch(/localstack\s+running/);
    expect(text.stdout).toContain('Ready.');
    const json = await host.cli(['status', '--json']);
    expect(json.exitCode).toBe(0);
    const data = dataOf(json) as { ready: boolean; services: typeof statusServices };
    expect(data.ready).toBe(true);
    statusServices = data.services;
    const byName = Object.fromEntries(data.services.map((service) => [service.name, service]));
    expect(byName.postgres).toMatchObject({ state: 'running', container: containers().postgres, ports: [{ published: host.ports.postgres, target: 5432 }] });
    expect(byName.localstack).toMatchObject({ state: 'running', container: containers().localstack, ports: [{ published: host.ports.localstack, target: 4566 }] });
  });

  it("the host's own `docker compose ps` (its include of CHAINLIT_DATALAYER_COMPOSE) lists the same containers as `datalayer status`", async () => {
    const ps = await host.hostCompose(['ps', '--format', '{{.Name}}']);
    expect(ps.exitCode, ps.stderr).toBe(0);
    const fromStatus = statusServices.flatMap((service) => (service.container ? [service.container] : [])).sort();
    expect(fromStatus).toHaveLength(2);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(fromStatus);
  });

  let attachmentKey = '';

  it('a Chainlit-shaped write and read: user, thread, step and element rows; the attachment through a presigned URL', async () => {
    const [user] = await host.query<{ id: string }>(`INSERT INTO "User" (identifier, metadata) VALUES ($1, $2) RETURNING id`, ['engine@example.com', {}]);
    const [thread] = await host.query<{ id: string }>(`INSERT INTO "Thread" (name, metadata, "userId", tags) VALUES ('Engine', '{}', $1, $2) RETURNING id`, [user!.id, ['e2e']]);
    const [step] = await host.query<{ id: string }>(
      `INSERT INTO "Step" ("threadId", name, type, input, output, metadata, "startTime", "endTime") VALUES ($1, 'user', 'user_message', 'hello', '', '{}', now(), now()) RETURNING id`,
      [thread!.id],
    );
    const objectKey = `${thread!.id}/notes.txt`;
    attachmentKey = objectKey;
    await host.query(`INSERT INTO "Element" ("threadId", "stepId", name, mime, "objectKey", display, metadata) VALUES ($1, $2, 'notes.txt', 'text/plain', $3, 'inline', '{}')`, [thread!.id, step!.id, objectKey]);
    const s3 = host.s3();
    await s3.send(new PutObjectCommand({ Bucket: host.bucket, Key: objectKey, Body: 'engine attachment', ContentType: 'text/plain' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: host.bucket, Key: objectKey }), { expiresIn: 300 });
    const response = await fetch(url);
    expect(await response.text()).toBe('engine attachment');
    expect(response.headers.get('content-type')).toBe('text/plain');
  });

  it('`logs` into a pipe prints the services\' own lines, without terminal control sequences', async () => {
    const logs = await host.cli(['logs']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('database system is ready to accept connections');
    expect(logs.stdout).toContain('AWS s3.PutObject');
    expect(unwantedOutput(logs.stdout + logs.stderr)).toEqual([]);
  });

  it('`logs -f` follows until Ctrl-C, then ends with exit 130, quietly, leaving nothing running', async () => {
    // A terminal's Ctrl-C signals the whole foreground process group: datalayer and compose.
    const follow = execa(process.execPath, [cliEntry, 'logs', '-f', 'localstack'], { cwd: host.dir, env: { CI: 'true' }, detached: true, reject: false, stdin: 'ignore' });
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      follow.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ready.')) resolve();
      });
      void follow.then((result) => reject(new Error(`logs -f ended (exit ${result.exitCode}) before printing:\n${result.stderr}`)));
    });
    process.kill(-follow.pid!, 'SIGINT');
    const result = await follow;
    host.runs.push({ exitCode: result.exitCode ?? -1, stdout, stderr: String(result.stderr), args: ['logs', '-f', 'localstack'] });
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).not.toMatch(/error|at .*\.js:\d+/i);
    // Compose, and the plugin process the docker CLI runs it in, end with it.
    expect(await processGroupGone(follow.pid!)).toBe(true);
  });

  it('`up --with data-layer`: the extra service fails to build, says so, and the data layer stays up', async () => {
    const up = await host.cli(['up', '--with', 'data-layer', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect(up.stderr).toMatch(/warning: data-layer could not be started/);
    const data = dataOf(up) as { extras: Array<{ name: string; started: boolean }>; services: Array<{ name: string; state: string }> };
    expect(data.extras).toMatchObject([{ name: 'data-layer', started: false }]);
    expect(data.services.filter((service) => service.state === 'running').map((service) => service.name).sort()).toEqual(['localstack', 'postgres']);
  });

  const legacyReason = legacyComposeUnavailable();
  it.skipIf(legacyReason !== undefined && !engineRequired)(
    `with only Debian's docker-compose 1.29, up, status and down are refused clearly and the stack is left alone${legacyReason && !engineRequired ? ` (skipped: ${legacyReason})` : ''}`,
    async () => {
      if (legacyReason) throw new Error(legacyReason);
      const env = { PATH: legacyComposeOnlyPath(sandbox.root) };
      // up and down need Compose and refuse (exit 4); status reports what it can reach and why
      // the runtime cannot be asked (not ready, exit 5).
      for (const [args, exit] of [[['up', '--runtime', 'docker'], 4], [['status'], 5], [['down'], 4]] as const) {
        const run = await host.cli([...args], env);
        const output = run.stdout + run.stderr;
        expect(run.exitCode, `${args.join(' ')}: ${output}`).toBe(exit);
        expect(output).toMatch(/Compose 1\.29\.\d+/);
        expect(output).toMatch(/Compose v2/);
      }
      const running = await docker(['ps', '--filter', `label=com.docker.compose.project=${host.project}`, '--format', '{{.Names}}']);
      expect(running.stdout.split('\n').filter(Boolean).sort()).toEqual([containers().localstack, containers().postgres].sort());
    },
  );

  it('`down` stops and keeps the data, attachments included (LocalStack keeps them in memory only); `up` brings it all back', async () => {
    const down = await host.cli(['down']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(await projectContainers(host.project)).toEqual([]);
    const up = await host.cli(['up']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    const users = await host.query<{ identifier: string }>('SELECT identifier FROM "User"');
    expect(users).toEqual([{ identifier: 'engine@example.com' }]);
    const attachment = await host.s3().send(new GetObjectCommand({ Bucket: host.bucket, Key: attachmentKey }));
    expect(await attachment.Body?.transformToString()).toBe('engine attachment');
    expect(attachment.ContentType).toBe('text/plain');
  });

  it('`down --volumes --yes` removes the containers, the network and the container-owned .data/postgres', async () => {
    const dataDir = path.join(host.submoduleDir, '.data', 'postgres');
    // The official image's entry point hands the data directory to its postgres user (uid 999).
    expect(statSync(dataDir).uid).toBe(999);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const down = await host.cli(['down', '--volumes', '--yes']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(await projectContainers(host.project)).toEqual([]);
    expect(await projectNetworks(host.project)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(path.join(host.submoduleDir, 'localstack-script.sh'))).toBe(true);
  });

  it('no command printed a Node warning, a terminal control sequence or a secret', () => {
    expect(host.runs.length).toBeGreaterThan(10);
    for (const run of host.runs) {
      const output = run.stdout + run.stderr;
      expect(unwantedOutput(output), `datalayer ${run.args.join(' ')}`).toEqual([]);
      for (const secret of [host.secrets.password, host.secrets.accessKey, host.secrets.secretKey, host.secrets.authSecret]) {
        expect(output, `datalayer ${run.args.join(' ')}`).not.toContain(secret);
      }
    }
  });
});
