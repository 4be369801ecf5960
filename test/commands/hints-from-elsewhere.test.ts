/**
 * A command run on another directory (`datalayer -C app check`, `--env-file`) names, in its hints
 * and messages, commands that act on that same project when typed where the user is: `datalayer
 * -C app init`, `git -C app clone …`. A plain `datalayer init` there would set up the wrong folder.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sayCommandsIn } from '../../src/report/say-command.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import type { CliRun } from '../helpers/cli.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
/** What a person reads: `check` reports on stdout, a failed command on stderr. */
const said = (run: CliRun) => `${run.stdout}\n${run.stderr}`;
/** A folder the user stands in, holding the project `app/`. */
function workspace(): { where: string; app: string } {
  const where = mkdtempSync(path.join(os.tmpdir(), 'datalayer-elsewhere-'));
  made.push(where);
  const app = path.join(where, 'app');
  mkdirSync(app);
  return { where, app };
}

describe('commands named in text carry the options that pointed at the project', () => {
  it('a command gets them after its name; a line that has its own, or no command, is left alone', () => {
    const text = 'Run `datalayer init` here, then `datalayer -C app up`; `datalayer --help` or `datalayer`. datalayer init';
    expect(sayCommandsIn(text, 'datalayer', "-C 'my app'")).toBe(
      "Run `datalayer -C 'my app' init` here, then `datalayer -C app up`; `datalayer --help` or `datalayer`. datalayer init",
    );
    expect(sayCommandsIn(text, 'npx datalayer', '--env-file .env.ci')).toBe(
      'Run `npx datalayer --env-file .env.ci init` here, then `npx datalayer -C app up`; `npx datalayer --help` or `npx datalayer`. datalayer init',
    );
    expect(sayCommandsIn(text, 'datalayer', '')).toBe(text);
  });

  it('-C app without .env: the hint is `datalayer -C app init`, and following it sets up app/, not the current folder', async () => {
    const { where, app } = workspace();
    const check = await runInProcess(['-C', 'app', 'check'], { cwd: where });
    expect(check.exitCode).toBe(3);
    const hint = /`(datalayer [^`]*init)`/.exec(said(check))?.[1];
    expect(hint, said(check)).toBe('datalayer -C app init');
    const init = await runInProcess([...hint!.split(' ').slice(1), '--no-submodule'], { cwd: where });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(existsSync(path.join(app, '.env'))).toBe(true);
    expect(existsSync(path.join(where, '.env'))).toBe(false);
    expect(init.stdout).toMatch(/^  datalayer -C app enable$/m);
  });

  it('the compose file missing outside git: `git -C app clone … extern/chainlit-datalayer`', async () => {
    const { where } = workspace();
    expect((await runInProcess(['-C', 'app', 'init', '--no-submodule'], { cwd: where })).exitCode).toBe(0);
    expect((await runInProcess(['-C', 'app', 'enable'], { cwd: where })).exitCode).toBe(0);
    const check = await runInProcess(['-C', 'app', 'check'], { cwd: where });
    expect(check.exitCode).toBe(3);
    expect(said(check)).toContain('`git -C app clone https://github.com/OpenLLM-France/chainlit-datalayer.git extern/chainlit-datalayer`');
    const up = await runInProcess(['-C', 'app', 'up'], { cwd: where });
    expect(up.exitCode).toBe(4);
    expect(said(up)).toContain('`git -C app clone ');
  });

  it('a registered submodule not checked out: `git -C app submodule update --init`, or `datalayer -C app init`', async () => {
    const { where, app } = workspace();
    await execa('git', ['init', '-q', app]);
    expect((await runInProcess(['-C', 'app', 'init', '--no-submodule'], { cwd: where })).exitCode).toBe(0);
    expect((await runInProcess(['-C', 'app', 'enable'], { cwd: where })).exitCode).toBe(0);
    writeFileSync(path.join(app, '.gitmodules'), '[submodule "extern/chainlit-datalayer"]\n\tpath = extern/chainlit-datalayer\n\turl = https://example.invalid/chainlit-datalayer.git\n');
    const check = await runInProcess(['-C', 'app', 'check'], { cwd: where });
    expect(said(check)).toContain('run `git -C app submodule update --init`, or `datalayer -C app init`');
  });

  it('a folder in the way of the submodule: `git -C app rm -r --cached -- extern/chainlit-datalayer`', async () => {
    const { where, app } = workspace();
    await execa('git', ['init', '-q', app]);
    mkdirSync(path.join(app, 'extern', 'chainlit-datalayer'), { recursive: true });
    writeFileSync(path.join(app, 'extern', 'chainlit-datalayer', 'compose.yaml'), 'services: {}\n');
    // A relative URL is not tried before the add: nothing here reaches a network.
    const init = await runInProcess(['-C', 'app', 'init', '--url', '../no-such-upstream'], { cwd: where });
    expect(init.exitCode).toBe(6);
    expect(said(init)).toContain('`git -C app rm -r --cached -- extern/chainlit-datalayer`');
  });

  it('--env-file: the hint keeps it, and JSON keeps the canonical words', async () => {
    const { app } = workspace();
    const check = await runInProcess(['--env-file', '.env.ci', 'check'], { cwd: app });
    expect(said(check)).toContain('`datalayer --env-file .env.ci init`');
    const json = await runInProcess(['--env-file', '.env.ci', '-C', '.', 'check', '--json'], { cwd: app });
    expect(existsSync(path.join(app, '.env.ci'))).toBe(false);
    expect(json.stdout).toContain('Run `datalayer init` to create it');
    expect(json.stdout).not.toContain('--env-file .env.ci init');
  });
});
