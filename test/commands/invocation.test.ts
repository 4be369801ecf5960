import { execa } from 'execa';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invocationOf } from '../../src/context/invocation.js';
import { sayCommandsIn } from '../../src/report/say-command.js';
import { cliEntry, repoRoot } from '../helpers/cli.js';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-invocation-'));
  scratch.push(dir);
  return dir;
}

/** A directory holding an executable `datalayer` link to the CLI, to put on PATH. */
function binDirWithDatalayer(): string {
  const bin = path.join(tempDir(), 'bin');
  mkdirSync(bin);
  symlinkSync(cliEntry, path.join(bin, 'datalayer'));
  return bin;
}

describe('how datalayer was started, from what npm and the shell leave behind', () => {
  const npx = { npm_lifecycle_event: 'npx', npm_command: 'exec', npm_execpath: '/x/npm-cli.js', npm_config_user_agent: 'npm/11.0.0 node/v20.0.0 linux x64' };
  const cases: Array<{ name: string; env: NodeJS.ProcessEnv; script?: () => string; expected: string }> = [
    { name: 'npx / npm exec', env: npx, expected: 'npx datalayer' },
    { name: 'an npm script', env: { ...npx, npm_lifecycle_event: 'db:up', npm_command: 'run' }, expected: 'npx datalayer' },
    { name: 'pnpm', env: { npm_lifecycle_event: 'db:up', npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20.0.0 linux x64' }, expected: 'pnpm exec datalayer' },
    { name: 'yarn', env: { npm_lifecycle_event: 'db:up', npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.0.0 linux x64' }, expected: 'yarn datalayer' },
    { name: 'bun', env: { npm_config_user_agent: 'bun/1.1.0 npm/? node/v20.0.0 linux x64' }, expected: 'bunx datalayer' },
    { name: 'on PATH (a global install)', env: {}, script: () => path.join(binDirWithDatalayer(), 'datalayer'), expected: 'datalayer' },
    {
      name: "run by its path in a project's node_modules",
      env: { PATH: '' },
      script: () => {
        const bin = path.join(tempDir(), 'node_modules', '.bin');
        mkdirSync(bin, { recursive: true });
        symlinkSync(cliEntry, path.join(bin, 'datalayer'));
        return path.join(bin, 'datalayer');
      },
      expected: 'npx datalayer',
    },
  ];
  for (const { name, env, script, expected } of cases) {
    it(`${name}: ${expected}`, () => {
      const scriptPath = script?.();
      const pathValue = scriptPath && env.PATH === undefined ? path.dirname(scriptPath) : (env.PATH ?? '');
      expect(invocationOf({ env: { ...env, PATH: pathValue }, scriptPath: scriptPath ?? cliEntry })).toBe(expected);
    });
  }

  it('commands in backticks are said that way; other mentions of datalayer are left alone', () => {
    expect(sayCommandsIn('Run `datalayer init` here; another datalayer (pid 4) waits. `datalayer`', 'npx datalayer')).toBe(
      'Run `npx datalayer init` here; another datalayer (pid 4) waits. `npx datalayer`',
    );
  });
});

describe('"Next:" and hints name the command the way the user ran datalayer', () => {
  /** A host project with datalayer installed as `npm install --save-dev <clone>` does: a link. */
  function hostWithDatalayerInstalled(scripts: Record<string, string> = {}): string {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const host = path.join(parent, 'app');
    mkdirSync(path.join(host, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(repoRoot, path.join(host, 'node_modules', 'datalayer'));
    symlinkSync(path.join('..', 'datalayer', 'bin', 'datalayer.js'), path.join(host, 'node_modules', '.bin', 'datalayer'));
    writeFileSync(path.join(host, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts }));
    // The submodule's files, as a checkout leaves them: init then points at `up`.
    cpSync(path.join(repoRoot, 'examples', 'demo', 'extern'), path.join(host, 'extern'), { recursive: true });
    return host;
  }
  const shell = (command: string, cwd: string, extraPath = '') =>
    execa('bash', ['--noprofile', '--norc', '-c', command], {
      cwd,
      reject: false,
      env: {
        PATH: [extraPath, path.dirname(process.execPath), process.env.PATH ?? ''].filter(Boolean).join(path.delimiter),
        CI: 'true',
        npm_config_offline: 'true',
        npm_config_update_notifier: 'false',
        // Whatever ran these tests must not count as how the user ran datalayer.
        npm_lifecycle_event: undefined,
        npm_execpath: undefined,
        npm_config_user_agent: undefined,
        npm_command: undefined,
      },
      extendEnv: true,
    });

  it('through npx', async () => {
    const host = hostWithDatalayerInstalled();
    const init = await shell('npx datalayer init --no-submodule', host);
    expect(init.stdout).toMatch(/^Next: npx datalayer up$/m);
    const status = await shell('rm .env && npx datalayer status', host);
    expect(status.stderr).toContain('`npx datalayer init`');
  });

  it('through an npm script', async () => {
    const host = hostWithDatalayerInstalled({ 'db:init': 'datalayer init --no-submodule' });
    const init = await shell('npm run -s db:init', host);
    expect(init.stdout).toMatch(/^Next: npx datalayer up$/m);
  });

  it('on PATH', async () => {
    const host = hostWithDatalayerInstalled();
    const init = await shell('datalayer init --no-submodule', host, binDirWithDatalayer());
    expect(init.stdout).toMatch(/^Next: datalayer up$/m);
  });
});
