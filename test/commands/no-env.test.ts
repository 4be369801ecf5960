import { afterEach, describe, expect, it } from 'vitest';
import { jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, type HostFixture } from '../helpers/host-fixture.js';

/** A directory that is not (yet) a host: every command says so instead of reporting "disabled". */
describe('commands in a directory without .env', () => {
  const hosts: HostFixture[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.cleanup();
  });
  const bare = () => {
    const host = makeHost({});
    hosts.push(host);
    return host;
  };

  it('status exits 3 and points at init', async () => {
    const run = await runInProcess(['status', '--json'], { cwd: bare().dir });
    expect(run.exitCode).toBe(3);
    expect(jsonOf(run)).toMatchObject({ ok: false, error: { hint: expect.stringContaining('datalayer init') } });
  });

  it('up exits 3 with the missing-file diagnostic, and starts nothing', async () => {
    const host = bare();
    const run = await runInProcess(['up', '--json'], { cwd: host.dir });
    expect(run.exitCode).toBe(3);
    expect((jsonOf(run).diagnostics as Array<{ code: string }>).map((d) => d.code)).toContain('ENV_FILE_MISSING');
  });

  it('down has nothing to stop (exit 0) and says why', async () => {
    const run = await runInProcess(['down'], { cwd: bare().dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Nothing to stop: \.env does not exist here/);
  });
});
