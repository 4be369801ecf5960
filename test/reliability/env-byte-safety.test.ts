/**
 * `.env` byte safety: `init`, `secret --write`, `disable` and `enable` change only the lines they
 * are about, on every shape of file people write; a write that fails leaves the original intact.
 */
import { chmodSync, existsSync, promises as fsPromises, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { disableCommand as disable } from '../../src/commands/disable.js';
import { enableCommand as enable } from '../../src/commands/enable.js';
import { initCommand as init } from '../../src/commands/init/index.js';
import { secretCommand } from '../../src/commands/secret/index.js';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { acquireHostLock } from '../../src/support/host-lock.js';
import { invoke, makeContext } from '../helpers/context.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsNobody, runCliKilledAtRename, straceUnavailable, unprivilegedUserUnavailable } from './cli-process.js';
import { ENV_SHAPES, fileEol, keysInitAppends, physicalLines, shapeLines, shapeText, type EnvShape, type ShapeLine } from './env-shapes.js';

const hosts: HostFixture[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const fixture of hosts.splice(0)) fixture.cleanup();
});

function hostWith(env: string | undefined): HostFixture {
  const fixture = makeHost(env === undefined ? {} : { env });
  hosts.push(fixture);
  return fixture;
}

const GENERATED_SECRET = '[A-Za-z0-9]{64}';
/** What disable writes in front of each line it comments out: users' files carry it, so it never changes. */
const DISABLED_BY_DATALAYER = '#[disabled by datalayer] ';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line with its secret value replaced by a new one in the same quotes, as a pattern. */
function secretReplaced(line: ShapeLine, physical: string): RegExp {
  const value = line.value ?? '';
  const bomLength = physical.startsWith('\ufeff') ? 1 : 0;
  const at = physical.indexOf(value, physical.search(/[=:]/) + 1);
  const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
  const before = physical.slice(0, at);
  const after = physical.slice(at + value.length);
  expect(at).toBeGreaterThan(bomLength);
  return new RegExp(`^${escapeRegExp(before)}${quote}(${GENERATED_SECRET})${quote}${escapeRegExp(after)}$`, 's');
}

/** Compares line by line: a string must be byte-identical, a pattern must match. */
function expectLines(actual: string, expected: Array<string | RegExp>, label: string): void {
  const lines = physicalLines(actual);
  const shown = JSON.stringify({ actual: lines, expected: expected.map(String) }, null, 1);
  expect(lines.length, `${label}: number of lines\n${shown}`).toBe(expected.length);
  expected.forEach((want, index) => {
    if (typeof want === 'string') expect(lines[index], `${label}: line ${index + 1}`).toBe(want);
    else expect(lines[index], `${label}: line ${index + 1}`).toMatch(want);
  });
}

/** Runs a command in-process as the entry point would; returns its exit code and what it printed. */
async function runWithOutput(name: 'init' | 'secret' | 'disable' | 'enable', dir: string): Promise<{ exitCode: number; output: string }> {
  const context = makeContext(dir, { yes: true });
  let exitCode: number;
  if (name === 'init') exitCode = await invoke(init, { submodule: false }, context);
  else if (name === 'secret') exitCode = await invoke(secretCommand, { write: true }, context);
  else if (name === 'disable') exitCode = await invoke(disable, {}, context);
  else exitCode = await invoke(enable, {}, context);
  return { exitCode, output: context.output.stdout() + context.output.stderr() };
}

const run = async (name: 'init' | 'secret' | 'disable' | 'enable', dir: string) => (await runWithOutput(name, dir)).exitCode;

function readEnv(fixture: HostFixture): string {
  return readFileSync(path.join(fixture.dir, '.env'), 'utf8');
}

/** Index (into the shape's lines) of the secret `secret --write` replaces. */
const secretIndex = (shape: EnvShape) => shape.lines.findLastIndex((line) => line.tag === 'secret' || line.tag === 'placeholder');

/** What the original lines become when a new line is appended after them. */
function linesBeforeAppend(shape: EnvShape, lines: Array<string | RegExp>): Array<string | RegExp> {
  if (shape.finalNewline !== false) return lines;
  const last = lines.at(-1);
  return [...lines.slice(0, -1), typeof last === 'string' ? last + fileEol(shape) : (last as RegExp)];
}

describe.each(ENV_SHAPES)('.env byte safety: $name', (shape) => {
  const original = shapeText(shape);
  const originalLines = shapeLines(shape);
  const eol = fileEol(shape);

  it('secret --write replaces only the value of the secret that counts (or appends one)', async () => {
    const fixture = hostWith(original);
    expect(await run('secret', fixture.dir)).toBe(0);
    const index = secretIndex(shape);
    const expected: Array<string | RegExp> =
      index === -1
        ? [...linesBeforeAppend(shape, originalLines), new RegExp(`^CHAINLIT_AUTH_SECRET=${GENERATED_SECRET}${escapeRegExp(eol)}$`)]
        : originalLines.map((line, at) => (at === index ? secretReplaced(shape.lines[at]!, line) : line));
    const written = readEnv(fixture);
    expectLines(written, expected, 'secret --write');
    const counted = parseEnvDocument(written.replace(/^\ufeff/, '')).lines.findLast((line) => line.key === 'CHAINLIT_AUTH_SECRET');
    expect(counted?.value).toMatch(new RegExp(`^${GENERATED_SECRET}$`));
  });

  it('disable comments out exactly the data-layer lines, with its mark; enable then gives every byte back', async () => {
    const fixture = hostWith(original);
    expect(await run('disable', fixture.dir)).toBe(0);
    const disabled = readEnv(fixture);
    const expected = originalLines.map((line, index) => {
      if (shape.lines[index]?.tag !== 'dl') return line;
      return line.startsWith('\ufeff') ? `\ufeff${DISABLED_BY_DATALAYER}${line.slice(1)}` : `${DISABLED_BY_DATALAYER}${line}`;
    });
    expectLines(disabled, expected, 'disable');
    const enabled = await runWithOutput('enable', fixture.dir);
    if (shape.lines.some((line) => line.tag === 'dl')) {
      // Only what disable commented comes back: no commented older value, and no warning needed.
      expect(enabled.exitCode, enabled.output).toBe(0);
      expect(enabled.output).not.toContain('ENABLE_SEVERAL_COMMENTED');
      expect(readEnv(fixture)).toBe(original);
    } else if (shape.lines.some((line) => line.enabled !== undefined)) {
      // disable had nothing to do; enable takes the user's commented keys (next test).
      expect(enabled.exitCode, enabled.output).toBe(0);
    } else {
      // Nothing to enable: refused (exit 3), file untouched.
      expect(enabled.exitCode).toBe(3);
      expect(readEnv(fixture)).toBe(original);
    }
  });

  it('enable on the file as it is uncomments only commented data-layer keys that have no definition', async () => {
    const fixture = hostWith(original);
    const exitCode = await run('enable', fixture.dir);
    const dataLayerKeyPresent = shape.lines.some((line) => line.tag === 'dl' || line.enabled !== undefined);
    expect(exitCode).toBe(dataLayerKeyPresent ? 0 : 3);
    const expected = originalLines.map((line, index) => {
      const enabledText = shape.lines[index]?.enabled;
      return enabledText === undefined ? line : line.replace(shape.lines[index]!.text, enabledText);
    });
    expectLines(readEnv(fixture), expected, 'enable');
  });

  it('init --no-submodule keeps every line, fills a placeholder secret, and appends the missing keys in the file\'s line endings', async () => {
    const fixture = hostWith(original);
    const exitCode = await run('init', fixture.dir);
    expect([0, 3]).toContain(exitCode);
    const written = readEnv(fixture);
    const index = shape.lines.findLastIndex((line) => line.tag === 'placeholder');
    const kept = originalLines.map((line, at) => (at === index && secretIndex(shape) === index ? secretReplaced(shape.lines[at]!, line) : line));
    const appendedKeys = keysInitAppends(shape);
    if (appendedKeys.length === 0) {
      expectLines(written, kept, 'init (nothing to append)');
      return;
    }
    const before = linesBeforeAppend(shape, kept);
    const lines = physicalLines(written);
    expectLines(lines.slice(0, before.length).join(''), before, 'init (existing lines)');
    const appended = lines.slice(before.length);
    for (const line of appended) expect(line.endsWith(eol) && !line.slice(0, -eol.length).includes('\n'), JSON.stringify(line)).toBe(true);
    const appendedDefinitions = appended.map((line) => /^([A-Z_]+)=/.exec(line)?.[1]).filter((key) => key !== undefined);
    expect(appendedDefinitions.sort()).toEqual([...appendedKeys].sort());
  });
});

describe('new files and directories', () => {
  it('init creates .env with mode 0600 whatever the umask, from the template and from .env.example', async () => {
    const previous = process.umask(0o000);
    try {
      const fromTemplate = hostWith(undefined);
      expect(await run('init', fromTemplate.dir)).toBe(0);
      expect(statSync(path.join(fromTemplate.dir, '.env')).mode & 0o777).toBe(0o600);

      const fromExample = hostWith(undefined);
      fromExample.write('.env.example', seedEnv());
      expect(await run('init', fromExample.dir)).toBe(0);
      expect(statSync(path.join(fromExample.dir, '.env')).mode & 0o777).toBe(0o600);
      // The example keeps its own mode; only the .env holding a generated secret is private.
      expect(readFileSync(path.join(fromExample.dir, '.env.example'), 'utf8')).toBe(seedEnv());
    } finally {
      process.umask(previous);
    }
  });

  it('edits keep the mode of an existing .env and create no .datalayer/ (none of them takes the host lock)', async () => {
    const fixture = hostWith(seedEnv());
    const envPath = path.join(fixture.dir, '.env');
    chmodSync(envPath, 0o640);
    for (const name of ['secret', 'disable', 'enable', 'init'] as const) {
      await run(name, fixture.dir);
      expect(statSync(envPath).mode & 0o777, name).toBe(0o640);
    }
    expect(existsSync(path.join(fixture.dir, '.datalayer'))).toBe(false);
  });

  it('the host lock creates .datalayer/ with mode 0700 whatever the umask', async () => {
    const fixture = hostWith(seedEnv());
    const stateDir = path.join(fixture.dir, '.datalayer');
    const previous = process.umask(0o000);
    let release: (() => Promise<void>) | undefined;
    try {
      release = await acquireHostLock({ stateDir, command: 'test', waitMs: 1_000 });
      expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
      await release?.();
    }
  });
});

describe('a write that fails at the rename', () => {
  const failingRename = () =>
    vi.spyOn(fsPromises, 'rename').mockRejectedValue(Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' }));

  it.each([
    ['secret', seedEnv()],
    ['disable', seedEnv()],
    ['enable', seedEnv().replace(/^(CHAINLIT_DATALAYER_COMPOSE|POSTGRES_USER)=/gm, '# $1=')],
    ['init', 'CHAINLIT_AUTH_SECRET=...\r\nOTHER=1'],
  ] as const)('%s exits 3 and leaves the original .env and the directory as they were', async (name, env) => {
    const fixture = hostWith(env);
    const before = readdirSync(fixture.dir).sort();
    const rename = failingRename();
    const context = makeContext(fixture.dir, { yes: true });
    const options = name === 'init' ? { submodule: false } : name === 'secret' ? { write: true } : {};
    const command = { secret: secretCommand, disable, enable, init }[name];
    const exitCode = await invoke(command, options, context);
    expect(rename).toHaveBeenCalled();
    expect(exitCode).toBe(3);
    expect(context.output.stderr()).toMatch(/Cannot write .*\.env: EXDEV/);
    expect(context.output.stderr()).toContain('the file was left unchanged');
    expect(readFileSync(path.join(fixture.dir, '.env'), 'utf8')).toBe(env);
    expect(readdirSync(fixture.dir).sort()).toEqual(before);
  });
});

describe('a real `datalayer` process whose write is interrupted', () => {
  const original = 'CHAINLIT_AUTH_SECRET=old-secret-value-0123456789abcdef # keep\r\nPOSTGRES_PORT=5432\r\n# comment\r\n';
  const scratch: string[] = [];
  afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const directory = (mode: number) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-interrupted-'));
    scratch.push(dir);
    chmodSync(dir, mode);
    writeFileSync(path.join(dir, '.env'), original);
    chmodSync(path.join(dir, '.env'), 0o644);
    return dir;
  };

  const noUser = unprivilegedUserUnavailable();
  it.skipIf(noUser !== undefined)(
    `rename refused by the kernel (sticky directory, .env owned by another user): exit 3, original intact, no temporary file${noUser ? ` — skipped: ${noUser}` : ''}`,
    async () => {
      // In a sticky directory anyone may create files, but only a file's owner may replace it:
      // the temporary file is written, then the rename over root's .env fails with EPERM.
      const dir = directory(0o1777);
      for (const args of [['secret', '--write'], ['disable'], ['init', '--no-submodule']]) {
        const run = await runCliAsNobody(args, dir);
        expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(3);
        expect(run.stderr).toMatch(/Cannot write .*\.env: EPERM: operation not permitted, rename/);
        expect(run.stderr).toContain('the file was left unchanged');
        expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(original);
        expect(readdirSync(dir)).toEqual(['.env']);
      }
    },
  );

  it.skipIf(noUser !== undefined)(
    `temporary file refused (directory not writable by the user): exit 3, original intact${noUser ? ` — skipped: ${noUser}` : ''}`,
    async () => {
      const dir = directory(0o755);
      chmodSync(path.join(dir, '.env'), 0o666);
      // The project lock comes first: its directory cannot be made either.
      const locked = await runCliAsNobody(['secret', '--write'], dir);
      expect(locked.exitCode, locked.stderr).toBe(3);
      expect(locked.stderr).toMatch(/Cannot create .*\.datalayer for the project lock: EACCES/);
      expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(original);
      expect(readdirSync(dir)).toEqual(['.env']);
      // With a .datalayer/ the user may write to, the temporary file beside .env is what is refused.
      mkdirSync(path.join(dir, '.datalayer'));
      chmodSync(path.join(dir, '.datalayer'), 0o777);
      const run = await runCliAsNobody(['secret', '--write'], dir);
      expect(run.exitCode, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/Cannot write .*\.env: EACCES/);
      expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(original);
      expect(readdirSync(dir).sort()).toEqual(['.datalayer', '.env']);
    },
  );

  const noStrace = straceUnavailable();
  it.skipIf(noStrace !== undefined)(
    `SIGKILL between the write and the rename leaves the original .env intact${noStrace ? ` — skipped: ${noStrace}` : ''}`,
    async () => {
      const dir = directory(0o755);
      chmodSync(path.join(dir, '.env'), 0o600);
      const killed = await runCliKilledAtRename(['secret', '--write'], dir);
      expect(killed.signal ?? killed.exitCode).toSatisfy((outcome: unknown) => outcome === 'SIGKILL' || outcome === 137);
      expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(original);
      // Nothing can clean up after SIGKILL: the flushed temporary file stays, whole, as private as the
      // .env (and the project lock's .datalayer/, which the next command takes over).
      const leftovers = readdirSync(dir).filter((name) => name !== '.env' && name !== '.datalayer');
      expect(leftovers).toHaveLength(1);
      expect(leftovers[0]).toMatch(/^\.\.env\.\d+\.[0-9a-f]+\.tmp$/);
      const leftover = path.join(dir, leftovers[0]!);
      expect(statSync(leftover).mode & 0o777).toBe(0o600);
      expect(readFileSync(leftover, 'utf8')).toMatch(/^CHAINLIT_AUTH_SECRET=[A-Za-z0-9]{64} # keep\r\nPOSTGRES_PORT=5432\r\n# comment\r\n$/);
      // The next write of the same file removes what the dead writer left.
      const next = await runCli(['secret', '--write'], { cwd: dir });
      expect(next.exitCode, next.stderr).toBe(0);
      expect(readdirSync(dir).filter((name) => name !== '.datalayer')).toEqual(['.env']);
    },
  );
});
