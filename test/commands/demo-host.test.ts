import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyDemoHost, dataOf, jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';

/** The README's main job runs on examples/demo: it must stay a valid host that init makes ready. */
describe('the demo host of the README', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-demo-'));
  chmodSync(parent, 0o755);
  const demo = path.join(parent, 'demo');
  copyDemoHost(demo);
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('init --no-submodule writes .env from its .env.example, and check passes without a warning', async () => {
    const init = await runInProcess(['init', '--no-submodule', '--json'], { cwd: demo });
    expect(init.exitCode, init.stdout).toBe(0);
    const check = await runInProcess(['check', '--json'], { cwd: demo });
    expect(check.exitCode).toBe(0);
    expect(jsonOf(check)).toMatchObject({ ok: true, diagnostics: [] });
    expect(dataOf(check)).toMatchObject({ state: 'local' });
  });
});
