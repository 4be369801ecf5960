import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { freePort } from '../helpers/no-docker-env.js';

/**
 * `init --no-submodule` in a directory that is not a git repository and has no submodule files:
 * what it writes and says must lead to a working `up`, following its own words, never back to init.
 */
describe('init --no-submodule outside git, then the steps it prints', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-nogit-'));
  // As root the native Postgres runs as an unprivileged user that must traverse the path.
  chmodSync(parent, 0o755);
  const app = path.join(parent, 'app');
  mkdirSync(app);
  const ports = { postgres: 0, s3: 0 };
  const env = () => ({ DATALAYER_RUNTIME: 'native', POSTGRES_PORT: String(ports.postgres), LOCALSTACK_PORT: String(ports.s3) });
  afterAll(async () => {
    await runInProcess(['down', '--volumes', '--yes'], { cwd: app, env: env() });
    rmSync(parent, { recursive: true, force: true });
  });

  it('writes the block switched off and says how to get the files; up then says persistence is off, not "host not found"', async () => {
    const init = await runInProcess(['init', '--no-submodule'], { cwd: app });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('  git clone https://github.com/OpenLLM-France/chainlit-datalayer.git extern/chainlit-datalayer\n  datalayer enable\n  datalayer up\n');
    expect(init.stdout + init.stderr).not.toContain('Run `datalayer init`');
    expect(readFileSync(path.join(app, '.env'), 'utf8')).toMatch(/^# DATABASE_URL=/m);

    const up = await runInProcess(['up'], { cwd: app });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('`datalayer enable` turns it on');
    expect(up.stdout + up.stderr).not.toContain('host name not found');
  });

  it('enable before the files are there: the error says how to get them, not "run datalayer init"', async () => {
    expect((await runInProcess(['enable'], { cwd: app })).exitCode).toBe(0);
    const up = await runInProcess(['up'], { cwd: app });
    expect(up.exitCode).toBe(4);
    expect(up.stderr).toContain('git clone https://github.com/OpenLLM-France/chainlit-datalayer.git extern/chainlit-datalayer');
    expect(up.stderr).not.toContain('datalayer init');
  });

  it('once the files are there (the demo stand-in plays the clone), up works', async () => {
    ports.postgres = await freePort();
    ports.s3 = await freePort();
    cpSync(path.join(repoRoot, 'examples', 'demo', 'extern'), path.join(app, 'extern'), { recursive: true });
    const up = await runCli(['up', '--json'], { cwd: app, env: env(), timeoutMs: 180_000 });
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
  }, 200_000);
});
