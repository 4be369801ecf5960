import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf } from '../helpers/cli.js';
import { eventually, isRunning, makeNativeProject, processesWorkingIn } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';
import { commandLineOf, processesNaming } from '../reliability/native-host.js';
import { startCli } from '../reliability/processes.js';

/** Every file under `dir` (recursively) whose bytes contain `secret`, `.env` itself left out. */
function filesHolding(dir: string, secret: string): string[] {
  const found: string[] = [];
  const needle = Buffer.from(secret);
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && full !== path.join(dir, '.env') && readFileSync(full).includes(needle)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

/**
 * initdb gets the password of .env through a pipe, not a file: Ctrl-C or SIGKILL while it runs
 * leaves no copy of the password anywhere in the project. The S3 server, spawned right after initdb
 * starts, is found: `status` shows it and `down` stops it.
 */
describe('up interrupted while initdb runs', () => {
  let native: NativeHost | undefined;

  afterEach(async () => {
    await native?.cleanup();
    native = undefined;
  });

  it.each(['SIGINT', 'SIGKILL'] as const)('%s: no file holds the password afterwards; the S3 server already started is found by status and stopped by down', async (signal) => {
    native = await makeNativeProject(`initdb-${signal.toLowerCase()}`);
    const { host, secrets } = native;
    const dataDir = path.join(host.dir, '.datalayer', 'native', 'postgres');
    const up = startCli(['up'], { cwd: host.dir, env: native.env });
    const initdbOf = () => processesNaming(dataDir).filter((pid) => /(^|\/)initdb /.test(commandLineOf(pid)) || commandLineOf(pid).includes('/initdb '));
    // initdb spawns first, the S3 server right after it: both run when the signal comes.
    const s3Dir = path.join(host.dir, '.datalayer', 'native', 's3');
    await eventually(() => initdbOf().length > 0 && processesWorkingIn(s3Dir).length > 0, 'initdb and the S3 server to start', 60_000);
    up.child.kill(signal);
    const ended = await up.result();
    expect(ended.exitCode === 130 || signal === 'SIGKILL', ended.stderr).toBe(true);
    // initdb outlives the command (it is not signalled with it): wait for it to end, then look.
    await eventually(() => initdbOf().every((pid) => !isRunning(pid)), 'initdb to end', 120_000);
    expect(filesHolding(host.dir, secrets.password)).toEqual([]);
    expect(readdirSync(path.join(host.dir, '.datalayer', 'native')).filter((name) => name.startsWith('.initdb-password'))).toEqual([]);

    const status = await native.cli(['status', '--json']);
    const services = dataOf(status).services as Array<{ name: string; state: string }>;
    expect(services.find((service) => service.name === 's3')?.state, status.stdout).toBe('running');
    const down = await native.cli(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(processesWorkingIn(path.join(host.dir, '.datalayer', 'native'))).toEqual([]);
    expect(statSync(path.join(host.dir, '.env')).isFile()).toBe(true);
  });
});
