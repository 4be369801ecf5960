import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, jsonOf, packageVersion } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

const ENVELOPE = ['schemaVersion', 'datalayerVersion', 'command', 'ok', 'exitCode', 'diagnostics', 'data'];

describe('the --json document', () => {
  let host: HostFixture | undefined;
  afterEach(() => host?.cleanup());

  it('keeps the command fields under data, beside nothing but the envelope', async () => {
    host = makeHost({ env: seedEnv() });
    const run = await runInProcess(['check', '--json'], { cwd: host.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    const document = jsonOf(run);
    expect(Object.keys(document)).toEqual(ENVELOPE);
    expect(document).toMatchObject({ schemaVersion: 1, datalayerVersion: packageVersion, command: 'check', ok: true, exitCode: 0 });
    expect(dataOf(run)).toMatchObject({ state: 'local', envFile: '.env', summary: { errors: 0 } });
  });

  it('a command that reports a non-zero exit keeps its data: ok is false, no error', async () => {
    // A short secret: a warning, which --strict makes an error.
    host = makeHost({ env: seedEnv({ secret: 'short-secret-0123' }) });
    const run = await runInProcess(['check', '--strict', '--json'], { cwd: host.dir });
    expect(run.exitCode).toBe(3);
    const document = jsonOf(run);
    expect(Object.keys(document)).toEqual(ENVELOPE);
    expect(document).toMatchObject({ ok: false, exitCode: 3 });
    expect(dataOf(run)).toMatchObject({ state: 'local', summary: { errors: expect.any(Number) } });
  });

  it('on an error: data is null, and the error carries message, hint and the details of that error', async () => {
    host = makeHost({});
    const run = await runInProcess(['status', '--json', '-C', host.dir]);
    expect(run.exitCode).toBe(3);
    const document = jsonOf(run);
    expect(Object.keys(document)).toEqual([...ENVELOPE, 'error']);
    expect(document).toMatchObject({ schemaVersion: 1, datalayerVersion: packageVersion, command: 'status', ok: false, exitCode: 3, data: null });
    expect(document.error).toEqual({ message: expect.stringContaining('.env does not exist'), hint: expect.stringContaining('datalayer init'), details: {} });
    expect(dataOf(run)).toEqual({});
  });
});

describe('usage errors under --json', () => {
  it('an unknown option of a command: one document naming the command, and nothing on stderr', async () => {
    const run = await runInProcess(['up', '--bogus', '--json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('');
    expect(jsonOf(run)).toMatchObject({ command: 'up', ok: false, exitCode: 2, data: null, error: { message: "unknown option '--bogus'", hint: 'Run `datalayer up --help` for usage.' } });
  });

  it('a bad option value: the same document, with the hint to see the options', async () => {
    const run = await runInProcess(['logs', '-n', 'many', '--json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('');
    expect(jsonOf(run)).toMatchObject({ command: 'logs', exitCode: 2, error: { message: '--tail: expected a number of lines', hint: expect.stringContaining('datalayer logs --help') } });
  });

  it('an unknown command: the document names datalayer', async () => {
    const run = await runInProcess(['bogus', '--json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('');
    expect(jsonOf(run)).toMatchObject({ command: 'datalayer', exitCode: 2, error: { message: expect.stringContaining("unknown command 'bogus'") } });
  });

  it('no command at all: one usage document listing the commands', async () => {
    const run = await runInProcess(['--json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('');
    const document = jsonOf(run);
    expect(document).toMatchObject({ command: 'datalayer', ok: false, exitCode: 2, data: null, error: { message: 'no command given.' } });
    expect(dataOf(run).commands).toEqual(expect.arrayContaining(['init', 'up', 'down', 'status']));
  });

  it('without --json, commander speaks on stderr and stdout stays empty', async () => {
    const run = await runInProcess(['up', '--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("error: unknown option '--bogus'");
  });
});

describe('help and version under --json', () => {
  it('--help --json: one document whose data is the help, the commands and the global options', async () => {
    const run = await runInProcess(['--help', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(jsonOf(run)).toMatchObject({ command: 'datalayer', ok: true, exitCode: 0 });
    const data = dataOf(run) as { help: string; commands: Array<{ name: string }>; options: Array<{ flags: string }> };
    expect(data.help).toContain('Usage: datalayer');
    expect(data.commands.map((c) => c.name)).toEqual(expect.arrayContaining(['init', 'up', 'status']));
    expect(data.options.map((o) => o.flags)).toContain('--json');
  });

  it('a command help under --json names the command and lists its options with defaults and choices', async () => {
    const run = await runInProcess(['up', '--help', '--json']);
    expect(run.exitCode).toBe(0);
    expect(jsonOf(run)).toMatchObject({ command: 'up', ok: true });
    const data = dataOf(run) as { help: string; options: Array<{ flags: string; default?: unknown; choices?: string[] }> };
    expect(data.help).toContain('Usage: datalayer up');
    expect(data.options).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ flags: '--timeout <seconds>', default: 120 }),
        expect.objectContaining({ flags: '--runtime <runtime>', choices: ['auto', 'docker', 'native'] }),
      ]),
    );
  });

  it('--version --json: the version in a document', async () => {
    const run = await runInProcess(['--version', '--json']);
    expect(run.exitCode).toBe(0);
    expect(jsonOf(run)).toMatchObject({ command: 'datalayer', ok: true, data: { version: packageVersion } });
  });
});
