import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../../src/process/runner.js';
import { eventually } from '../helpers/native-processes.js';

const script = 'process.stdout.write(JSON.stringify([process.env.RUNNER_BASE ?? null, process.env.RUNNER_CALL ?? null, process.env.RUNNER_PARENT ?? null]))';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-runner-env-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the environment and directory a child starts with', () => {
  it('given the command\'s environment, a child has it with the call\'s own over it, and nothing else of this process', async () => {
    process.env.RUNNER_PARENT = 'of the test process';
    try {
      const runner = new ProcessRunner(undefined, { env: { PATH: process.env.PATH, RUNNER_BASE: 'command', RUNNER_CALL: 'command' } });
      const result = await runner.run(process.execPath, ['-e', script], { env: { RUNNER_CALL: 'call' } });
      expect(JSON.parse(result.stdout)).toEqual(['command', 'call', null]);
      // A variable the call sets to undefined is not passed on.
      const unset = await runner.run(process.execPath, ['-e', script], { env: { RUNNER_BASE: undefined } });
      expect(JSON.parse(unset.stdout)).toEqual([null, 'command', null]);
    } finally {
      delete process.env.RUNNER_PARENT;
    }
  });

  it('a long-lived child gets the command\'s environment too', async () => {
    const runner = new ProcessRunner(undefined, { env: { PATH: process.env.PATH, RUNNER_BASE: 'command' } });
    const logFile = path.join(scratch, 'detached.log');
    await runner.spawnDetached(process.execPath, ['-e', script], { logFile, env: { RUNNER_CALL: 'call' } });
    await eventually(() => readFileSync(logFile, 'utf8').endsWith(']'), 'the child\'s output');
    expect(JSON.parse(readFileSync(logFile, 'utf8'))).toEqual(['command', 'call', null]);
  });

  it('given the command\'s directory, a child runs there unless the call names another', async () => {
    const cwd = 'process.stdout.write(process.cwd())';
    const runner = new ProcessRunner(undefined, { cwd: scratch });
    expect((await runner.run(process.execPath, ['-e', cwd])).stdout).toBe(realpathSync(scratch));
    expect((await runner.run(process.execPath, ['-e', cwd], { cwd: os.tmpdir() })).stdout).toBe(realpathSync(os.tmpdir()));
    expect((await new ProcessRunner().run(process.execPath, ['-e', cwd])).stdout).toBe(process.cwd());
  });

  it('without one, a child inherits this process\'s environment', async () => {
    process.env.RUNNER_PARENT = 'of the test process';
    try {
      const result = await new ProcessRunner().run(process.execPath, ['-e', script], { env: { RUNNER_CALL: 'call' } });
      expect(JSON.parse(result.stdout)).toEqual([null, 'call', 'of the test process']);
    } finally {
      delete process.env.RUNNER_PARENT;
    }
  });
});
