import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { copyDemoHost, repoRoot } from '../helpers/cli.js';
import { freePort } from '../helpers/no-docker-env.js';

interface Step {
  run: string;
  always: boolean;
}

/** The `run:` steps of the README's "CI for your project" workflow, as written there. */
function readmeCiSteps(): Step[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split('\n## CI for your project\n')[1]?.split('\n## ')[0];
  const yaml = section ? /```yaml\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
  if (!yaml) throw new Error('README.md has no yaml block under "CI for your project"');
  const steps: Step[] = [];
  for (const line of yaml.split('\n')) {
    const run = /^\s*(?:- )?run: (.*)$/.exec(line)?.[1];
    if (run !== undefined) steps.push({ run, always: false });
    else if (/^\s*if: always\(\)/.test(line) && steps.length > 0) steps[steps.length - 1]!.always = true;
  }
  return steps;
}

/**
 * The README's CI job, step by step, each in its own `bash -e` as GitHub Actions runs a `run:`
 * step, in a host shaped like the demo (its stand-in submodule, its `.env.example`), with
 * datalayer installed as `npm install --save-dev` links a local clone. The host directory is what
 * the checkout step leaves (the submodule's files included); `npm ci` is left out: it would reach
 * the registry, and its one effect here (datalayer in node_modules) is in place.
 * The host's `npm test` records what its process sees; the test then uses those values.
 */
describe("the README's CI recipe, run as written", () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-ci-'));
  // As root the native Postgres runs as an unprivileged user that must traverse the path.
  chmodSync(parent, 0o755);
  const host = path.join(parent, 'app');
  const seen = path.join(parent, 'seen-by-npm-test.json');
  const environment = {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    CI: 'true',
    // A runner without Docker: the recipe's `up` then runs natively.
    DATALAYER_RUNTIME: 'native',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  const step = (command: string) =>
    execa('bash', ['--noprofile', '--norc', '-e', '-c', command], { cwd: host, env: environment, extendEnv: true, reject: false, timeout: 240_000, all: true });

  afterAll(async () => {
    await execa(process.execPath, [path.join(repoRoot, 'bin', 'datalayer.js'), 'down', '--volumes', '--yes'], { cwd: host, env: environment, reject: false });
    rmSync(parent, { recursive: true, force: true });
  });

  it('every step passes, and the npm test step sees the host-side values, which reach the running services', async () => {
    copyDemoHost(host);
    const [postgresPort, s3Port] = [await freePort(), await freePort()];
    const example = path.join(host, '.env.example');
    writeFileSync(
      example,
      readFileSync(example, 'utf8').replace('POSTGRES_PORT=55432', `POSTGRES_PORT=${postgresPort}`).replace('LOCALSTACK_PORT=54566', `LOCALSTACK_PORT=${s3Port}`),
    );
    writeFileSync(path.join(host, 'record-env.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(seen)}, JSON.stringify(process.env));\n`);
    writeFileSync(path.join(host, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { test: 'node record-env.mjs' } }, null, 2));
    mkdirSync(path.join(host, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(repoRoot, path.join(host, 'node_modules', 'datalayer'));
    symlinkSync(path.join('..', 'datalayer', 'bin', 'datalayer.js'), path.join(host, 'node_modules', '.bin', 'datalayer'));

    const steps = readmeCiSteps();
    expect(steps.map((s) => s.run.split(' ').slice(0, 3).join(' '))).toContain('eval "$(npx datalayer');
    const failures: string[] = [];
    for (const { run } of steps.filter((s) => !s.always && s.run !== 'npm ci')) {
      const result = await step(run);
      if (result.exitCode !== 0) {
        failures.push(`${run}\n  exit ${result.exitCode}\n${result.all}`);
        break;
      }
    }
    expect(failures).toEqual([]);

    const values = JSON.parse(readFileSync(seen, 'utf8')) as Record<string, string | undefined>;
    expect(values.DATABASE_URL).toBe(`postgresql://chainlit:chainlit-demo@localhost:${postgresPort}/chainlit`);
    expect(values.DEV_AWS_ENDPOINT).toBe(`http://localhost:${s3Port}`);
    const client = new pg.Client({ connectionString: values.DATABASE_URL });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_name = 'Thread'`);
      expect(tables.rows).toEqual([{ name: 'Thread' }]);
    } finally {
      await client.end();
    }
    const s3 = new S3Client({
      endpoint: values.DEV_AWS_ENDPOINT,
      region: values.APP_AWS_REGION ?? '',
      forcePathStyle: true,
      credentials: { accessKeyId: values.APP_AWS_ACCESS_KEY ?? '', secretAccessKey: values.APP_AWS_SECRET_KEY ?? '' },
    });
    await expect(s3.send(new HeadBucketCommand({ Bucket: values.BUCKET_NAME }))).resolves.toBeDefined();
    s3.destroy();

    for (const { run } of steps.filter((s) => s.always)) {
      const result = await step(run);
      expect(result.exitCode, `${run}\n${result.all}`).toBe(0);
    }
  }, 300_000);
});
