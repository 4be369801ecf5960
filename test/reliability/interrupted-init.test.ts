/**
 * SIGINT or SIGTERM sent to the datalayer process alone (not to its process group, as a terminal
 * would) while `init` clones the submodule: git must stop with it, the half-made submodule must be
 * undone, and only then may datalayer exit 130 / 143.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/process/process-alive.js';
import { freshUpstreamPerTest, makeHostRepo, type GitSandbox, type UpstreamFixture } from '../helpers/git-fixtures.js';
import { startCli } from './processes.js';

let sandbox: GitSandbox;
let upstream: UpstreamFixture;

freshUpstreamPerTest((made) => ({ sandbox, upstream } = made));

/**
 * A transport (git's ext::) that answers the reachability probe at once and then, for the clone,
 * records its pid and waits: the clone is reliably in progress when the test sends the signal.
 */
function slowRemote(): { url: string; env: Record<string, string>; cloning: string; pids: () => number[] } {
  const cloning = path.join(sandbox.root, 'cloning');
  const probed = path.join(sandbox.root, 'probed');
  const pidFile = path.join(sandbox.root, 'transport-pids');
  const script = path.join(sandbox.root, 'slow-transport.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo $$ >> '${pidFile}'`,
      `if [ -e '${probed}' ]; then touch '${cloning}'; sleep 120; else touch '${probed}'; fi`,
      'exec "$1" "$2"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  // The ext transport is off by default; the user's own git configuration can allow it.
  writeFileSync(path.join(sandbox.env.HOME!, '.gitconfig'), '[protocol "ext"]\n\tallow = always\n');
  return {
    url: `ext::${script} %S ${upstream.bare}`,
    env: sandbox.env,
    cloning,
    pids: () => readFileSync(pidFile, 'utf8').trim().split('\n').map(Number),
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('init interrupted while git clones the submodule', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to datalayer alone: git stops too, the add is undone, then exit %i', async (signal, code) => {
    const host = makeHostRepo(sandbox);
    const remote = slowRemote();
    const cli = startCli(['init', '--url', remote.url], { cwd: host, env: remote.env });
    await waitFor(() => existsSync(remote.cloning), 'the clone to start');
    cli.child.kill(signal);
    const result = await cli.result();
    expect(result.exitCode, result.stderr).toBe(code);
    // Nothing of git's is left running that could finish the clone or stage it later.
    const transport = remote.pids();
    expect(transport.length).toBe(2);
    await waitFor(() => !transport.some(isProcessAlive), 'the transport processes to be gone', 5_000);
    expect(existsSync(path.join(host, '.gitmodules'))).toBe(false);
    expect(existsSync(path.join(host, 'extern'))).toBe(false);
    expect(existsSync(path.join(host, '.git', 'modules', 'extern'))).toBe(false);
    expect(sandbox.git(host, 'status', '--porcelain', '--ignored')).toBe('');
  }, 90_000);
});
