import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEntry } from '../helpers/cli.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

interface ClosedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the CLI with a stdout whose reader is gone before the first byte is written, as with
 * `datalayer ... | head -1` once head has its line: every write meets EPIPE.
 */
function runWithClosedStdout(args: string[], cwd?: string): Promise<ClosedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { cwd, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stderr }));
  });
}

/** A host whose native services ran once: the runtime record and a log file per service. */
function hostWithNativeLogs(): HostFixture {
  const host = makeHost({ env: seedEnv() });
  const stateDir = path.join(host.dir, '.datalayer');
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  writeFileSync(path.join(stateDir, 'runtime.json'), JSON.stringify({ runtime: 'native', since: new Date().toISOString() }));
  const lines = Array.from({ length: 5000 }, (_, i) => `log line ${i}: ${'x'.repeat(60)}`).join('\n');
  writeFileSync(path.join(stateDir, 'logs', 'postgres.log'), `${lines}\n`);
  writeFileSync(path.join(stateDir, 'logs', 's3.log'), `${lines}\n`);
  return host;
}

describe('output into a pipe its reader closed (`| head -1`)', () => {
  const hosts: HostFixture[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.cleanup();
  });

  it('--help ends quietly with 0, no EPIPE trace', async () => {
    const run = await runWithClosedStdout(['--help']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  });

  it('a command help (up --help) ends quietly with 0', async () => {
    const run = await runWithClosedStdout(['up', '--help']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  });

  it('logs ends quietly with 0', async () => {
    const host = hostWithNativeLogs();
    hosts.push(host);
    const run = await runWithClosedStdout(['logs'], host.dir);
    expect(run.stderr).not.toMatch(/EPIPE|Error|bug/);
    expect(run.exitCode).toBe(0);
  });

  it('logs -f stops following once nobody reads, and ends quietly with 0', async () => {
    const host = hostWithNativeLogs();
    hosts.push(host);
    const run = await runWithClosedStdout(['logs', '-f'], host.dir);
    expect(run.stderr).not.toMatch(/EPIPE|Error|bug/);
    expect(run.exitCode).toBe(0);
  });

  it('a --json document into a closed pipe ends with the command exit code, no trace', async () => {
    const host = makeHost({ env: seedEnv() });
    hosts.push(host);
    const run = await runWithClosedStdout(['check', '--json'], host.dir);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  });
});
