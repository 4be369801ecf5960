/** Messages that named the wrong thing: each says what actually happened. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { startCli } from '../reliability/processes.js';

const hosts: HostFixture[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.cleanup();
});
function host(env?: string): HostFixture {
  const fixture = makeHost(env === undefined ? {} : { env });
  hosts.push(fixture);
  return fixture;
}

describe('messages that say what happened', () => {
  it('up before init: .env does not exist and init writes it, not ".env has 1 error"', async () => {
    const run = await runInProcess(['up'], { cwd: host().dir });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('.env does not exist');
    expect(run.stderr).toContain('Run `datalayer init` here first');
    expect(run.stderr).not.toMatch(/has \d+ errors?/);
  });

  it('down --volumes --yes on native with no data yet says so, not "Deleted the compose volumes"', async () => {
    const fixture = host(seedEnv());
    mkdirSync(path.join(fixture.dir, '.datalayer'), { recursive: true });
    writeFileSync(path.join(fixture.dir, '.datalayer', 'runtime.json'), JSON.stringify({ runtime: 'native', since: new Date().toISOString() }));
    const run = await runInProcess(['down', '--volumes', '--yes'], { cwd: fixture.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('compose volumes');
    expect(run.stdout).toContain('There was no data to delete.');
  });

  it('Ctrl-C during a wait: "error: Interrupted" is the last thing printed, no progress after it', async () => {
    // An external database nobody listens on: up waits for it until interrupted.
    const fixture = host(`CHAINLIT_AUTH_SECRET=${'s'.repeat(40)}\nDATABASE_URL=postgresql://root:x@127.0.0.1:1/postgres\n`);
    const cli = startCli(['up', '--timeout', '60'], { cwd: fixture.dir, env: {} });
    await cli.waitForStderr(/Waiting for Postgres/);
    cli.child.kill('SIGINT');
    const result = await cli.result();
    expect(result.exitCode).toBe(130);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('error: Interrupted by SIGINT.');
  });
});
