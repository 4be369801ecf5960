import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

/**
 * Node's own warnings (a deprecation in a dependency, an experimental feature, too many listeners)
 * are for whoever develops datalayer: at the process boundary, a user sees them only with
 * --verbose. A preloaded module plants one while the command writes its result.
 */
describe('Node warnings at the process boundary', () => {
  let host: HostFixture;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    host = makeHost({ env: seedEnv() });
    dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-warning-'));
    const preload = path.join(dir, 'warn-on-first-output.cjs');
    writeFileSync(
      preload,
      `const write = process.stdout.write.bind(process.stdout);
let planted = false;
process.stdout.write = (...args) => {
  if (!planted) {
    planted = true;
    process.emitWarning('planted by the test', 'DeprecationWarning');
  }
  return write(...args);
};
`,
    );
    env = { NODE_OPTIONS: `--require ${preload}` };
  });
  afterAll(() => {
    host?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a warning raised during a command does not reach the user', async () => {
    const run = await runCli(['check'], { cwd: host.dir, env });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('configuration is valid');
    expect(run.stdout + run.stderr).not.toMatch(/\(node:\d+\)|DeprecationWarning|planted by the test/);
  });

  it('--verbose shows it, in one plain line', async () => {
    const run = await runCli(['check', '--verbose'], { cwd: host.dir, env });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('node: DeprecationWarning: planted by the test');
  });
});
