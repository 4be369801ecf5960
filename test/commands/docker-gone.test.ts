import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { makeNativeProject, processesWorkingIn } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';

/**
 * The last `up` ran with Docker, and Docker is gone (its daemon does not answer: DOCKER_HOST names a
 * socket that does not exist). The project is not locked: status and down say what they can, the
 * hint's `up --runtime native` works, and down/status take --runtime.
 */
describe('a project whose recorded runtime is Docker, with Docker gone', () => {
  let native: NativeHost;
  const runtimeFile = () => path.join(native.stateDir, 'runtime.json');

  beforeAll(async () => {
    // No DATALAYER_RUNTIME: the runtime comes from the record, as after a plain `datalayer up` with Docker.
    native = await makeNativeProject('docker-gone', { values: { DATALAYER_RUNTIME: '' }, inProcess: true });
    mkdirSync(native.stateDir, { mode: 0o700 });
    writeFileSync(runtimeFile(), `${JSON.stringify({ runtime: 'docker', since: new Date().toISOString(), project: 'docker-gone-host', composeFile: 'extern/chainlit-datalayer/compose.yaml' })}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    if (native) await native.cleanup();
  });

  it('status exits 5 (not ready), says the docker runtime cannot be asked and why, and still reports Postgres and the bucket', async () => {
    const status = await native.cli(['status', '--json']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(5);
    const data = dataOf(status);
    expect(data).toMatchObject({ runtime: 'docker', services: [], postgres: { reachable: false } });
    expect((data.problems as string[])[0]).toMatch(/docker runtime of the last `up` cannot be asked: .*daemon/i);
    const text = await native.cli(['status']);
    expect(text.stdout).toMatch(/cannot be asked/);
  });

  it('down exits 0, says nothing was stopped and why, and keeps the record', async () => {
    const down = await native.cli(['down', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down)).toMatchObject({ runtime: 'docker', stopped: false });
    expect(dataOf(down).message).toMatch(/cannot be reached.*--runtime native/s);
    expect(JSON.parse(readFileSync(runtimeFile(), 'utf8'))).toMatchObject({ runtime: 'docker' });
  });

  it('up exits 4 with a hint to run --runtime native, and that advice works', async () => {
    const up = await native.cli(['up', '--json']);
    expect(up.exitCode, up.stdout + up.stderr).toBe(4);
    const hint = (jsonOf(up).error as { hint: string }).hint;
    expect(hint).toContain('--runtime native');
    const native_ = await native.cli(['up', '--runtime', 'native', '--json']);
    expect(native_.exitCode, native_.stdout + native_.stderr).toBe(0);
    expect(dataOf(native_)).toMatchObject({ runtime: 'native', started: true });
    expect(JSON.parse(readFileSync(runtimeFile(), 'utf8'))).toMatchObject({ runtime: 'native' });
  });

  it('status and down take --runtime', async () => {
    const asDocker = await native.cli(['status', '--runtime', 'docker', '--json']);
    expect(asDocker.exitCode).toBe(5);
    expect((dataOf(asDocker).problems as string[])[0]).toMatch(/cannot be asked/);
    const asNative = await native.cli(['status', '--runtime', 'native', '--json']);
    expect(asNative.exitCode, asNative.stdout).toBe(0);
    const down = await native.cli(['down', '--runtime', 'native', '--json']);
    expect(down.exitCode, down.stdout + down.stderr).toBe(0);
    expect(dataOf(down)).toMatchObject({ runtime: 'native', stopped: true });
    expect(processesWorkingIn(path.join(native.stateDir, 'native'))).toEqual([]);
  });
});
