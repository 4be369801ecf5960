import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram, commandsFor } from '../../src/cli/program.js';
import { defineCommand, flag, option } from '../../src/commands/definition.js';
import { commands } from '../../src/commands/index.js';
import { planDisable } from '../../src/commands/data-layer-switch/plan.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { holdHostLock, startCli } from '../reliability/processes.js';

const silent = { writeOut: () => undefined, writeErr: () => undefined };
const noAction = async () => undefined;

describe('commander is built from the declarations', () => {
  it('every declared option is read under the name commander gives it', () => {
    const program = buildProgram('0.0.0', commands, noAction, silent);
    expect(program.commands.map((command) => command.name())).toEqual(commands.map((command) => command.name));
  });

  it('a command line that plainly names its command builds only that one; anything else builds them all', () => {
    const globals = buildProgram('0.0.0', [], noAction, silent).options;
    const names = (argv: string[]) => commandsFor(argv, commands, globals).map((command) => command.name);
    const all = commands.map((command) => command.name);
    expect(names(['up'])).toEqual(['up']);
    expect(names(['-C', 'up', 'status', '--json'])).toEqual(['status']);
    expect(names(['--cwd=dir', '--env-file', 'x.env', '-q', '--no-color', 'check', '--connect'])).toEqual(['check']);
    expect(names([])).toEqual(all);
    expect(names(['--help', 'up'])).toEqual(all);
    expect(names(['-h'])).toEqual(all);
    expect(names(['help', 'up'])).toEqual(all);
    expect(names(['stauts'])).toEqual(all);
    expect(names(['-qC', 'dir', 'up'])).toEqual(all);
    expect(names(['--', 'up'])).toEqual(all);
    expect(names(['--json=yes', 'up'])).toEqual(all);
    expect(buildProgram('0.0.0', commands, noAction, silent, ['-q', 'status']).commands.map((command) => command.name())).toEqual(['status']);
  });

  it('built for one command, the CLI still says what it said with all of them: help, typos and bad options', async () => {
    const rootHelp = await runInProcess(['--help', 'up']);
    for (const name of commands.map((command) => command.name)) expect(rootHelp.stdout).toContain(name);
    const typo = await runInProcess(['stauts']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("(Did you mean status?)");
    const badOption = await runInProcess(['status', '--bogus']);
    expect(badOption.exitCode).toBe(2);
    expect(badOption.stderr).toContain("unknown option '--bogus'");
    expect(badOption.stderr).toContain('Run `datalayer status --help` for usage.');
  });

  it('a declaration whose key is not the name commander derives from its flags is refused', () => {
    const misnamed = defineCommand({
      name: 'misnamed',
      description: 'x',
      options: { timeOut: option('--timeout <seconds>', 'x'), quiet: flag('--no-quiet', 'x') },
      lock: false,
      examples: [],
      load: async () => ({ run: async () => ({ exitCode: 0, diagnostics: [], data: {} }), render: () => '' }),
    });
    expect(() => buildProgram('0.0.0', [misnamed], noAction, silent)).toThrow(/--timeout <seconds> is declared as "timeOut"/);
  });

  it('help shows the declared defaults and choices, and validation uses the same declaration', async () => {
    const help = await runInProcess(['up', '--help']);
    expect(help.stdout).toContain('(default: 120)');
    expect(help.stdout).toContain('(choices: "auto", "docker", "native")');
    const status = await runInProcess(['status', '--help']);
    expect(status.stdout.replace(/\s+/g, ' ')).toContain('(choices: "text", "env", "dotenv", "github", default: "text")');
    const bad = await runInProcess(['up', '--timeout', '0', '--json']);
    expect(bad.exitCode).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toBe('--timeout: must be more than 0');
  });
});

describe('commands that write .env take the project lock', () => {
  let host: HostFixture | undefined;
  afterEach(() => host?.cleanup());

  const disabled = planDisable(seedEnv()).text ?? '';
  it.each([
    ['secret --write', ['secret', '--write'], seedEnv()],
    ['enable', ['enable'], disabled],
    ['disable', ['disable'], seedEnv()],
  ])('%s waits for another datalayer holding the lock, then writes', async (_label, args, env) => {
    host = makeHost({ env });
    const envFile = path.join(host.dir, '.env');
    const holder = await holdHostLock(path.join(host.dir, '.datalayer'), 'up');
    const cli = startCli(args, { cwd: host.dir, env: {} });
    try {
      await cli.waitForStderr(new RegExp(`Waiting for another datalayer \\(pid ${holder.pid}, up\\)`));
      expect(readFileSync(envFile, 'utf8')).toBe(env);
    } finally {
      await holder.stop();
    }
    const result = await cli.result();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(envFile, 'utf8')).not.toBe(env);
  });

  it('secret without --write and check read only: they do not wait for the lock', async () => {
    host = makeHost({ env: seedEnv() });
    const holder = await holdHostLock(path.join(host.dir, '.datalayer'), 'up');
    try {
      for (const args of [['secret'], ['check']]) {
        const run = await runInProcess(args, { cwd: host.dir });
        expect(run.stderr, args.join(' ')).not.toContain('Waiting for another datalayer');
        expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      }
    } finally {
      await holder.stop();
    }
  });
});
