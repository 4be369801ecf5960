/**
 * Hostile configuration: whatever `.env` and compose file a host holds, `check` answers with
 * diagnostics (exit 0 or 3), never with a crash (exit 1); every `.env` error points at a line of
 * the file; no diagnostic shows a secret. The bulk runs `checkHost` in-process; a sample goes
 * through the built CLI. Seeds: see property-settings.ts.
 */
import fc from 'fast-check';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHost, type HostCheck } from '../../src/config/check-host.js';
import { loadHostConfig } from '../../src/config/host-config.js';
import { MAX_DIAGNOSTICS_PER_KIND } from '../../src/config/rules/syntax.js';
import { ConfigError } from '../../src/support/errors.js';
import { resolveHostProject } from '../../src/context/host-project.js';
import { invariantViolations, registeredSecrets } from './config-invariants.js';
import { composeFile, envFile } from './hostile-arbitraries.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { FORK_LIKE_COMPOSE, makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';
import { propertyParameters, propertyRunsOverridden, propertySeed } from './property-settings.js';
import { runCliAsNobody, unprivilegedUserUnavailable } from './cli-process.js';
import { makeScratchHosts, type ScratchHosts } from './scratch-hosts.js';

const COMPOSE_LABEL = 'extern/chainlit-datalayer/compose.yaml';
/** Checks run this many at a time: file reads wait on the thread pool, so overlapping them pays. */
const PARALLEL_HOSTS = 8;
const FILES_WANTED = 10_000;

let sandbox: ScratchHosts;
beforeAll(() => {
  sandbox = makeScratchHosts(PARALLEL_HOSTS);
});
afterAll(() => sandbox.cleanup());

async function checkGenerated(slot: number, env: string, compose: string): Promise<string[]> {
  const host = sandbox.hosts[slot]!;
  writeFileSync(path.join(host.dir, '.env'), env);
  writeFileSync(path.join(host.dir, COMPOSE_LABEL), compose);
  let check: HostCheck;
  try {
    check = await checkHost({ host: resolveHostProject({ cwd: host.dir }), env: host.shell });
  } catch (error) {
    return [`checkHost threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
  }
  return invariantViolations(check, { env, envLabel: '.env', compose, composeLabel: COMPOSE_LABEL });
}

describe(`hostile configuration through checkHost (seed ${propertySeed})`, () => {
  it(`${FILES_WANTED} generated .env and compose files: diagnostics only, lines inside the file, no secret shown`, async () => {
    let checked = 0;
    const batch = fc.array(fc.tuple(envFile, composeFile), { minLength: PARALLEL_HOSTS, maxLength: PARALLEL_HOSTS });
    await fc.assert(
      fc.asyncProperty(batch, async (pairs) => {
        const results = await Promise.all(pairs.map(([env, compose], slot) => checkGenerated(slot, env, compose)));
        checked += pairs.length;
        const problems = results.flatMap((list, slot) => list.map((problem) => `[file ${slot}] ${problem}`));
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      propertyParameters(Math.ceil(FILES_WANTED / PARALLEL_HOSTS)),
    );
    if (!propertyRunsOverridden) expect(checked).toBeGreaterThanOrEqual(FILES_WANTED);
  }, 180_000);
});

describe(`hostile configuration through the built CLI (seed ${propertySeed})`, () => {
  const CLI_CASES = 20;

  it(`${CLI_CASES} generated hosts: \`check --json\` exits 0 or 3 with one JSON document and no secret`, async () => {
    const cases = fc.sample(fc.tuple(envFile, composeFile), { numRuns: CLI_CASES, seed: propertySeed });
    const hosts = makeScratchHosts(CLI_PARALLEL);
    try {
      for (let start = 0; start < cases.length; start += CLI_PARALLEL) {
        const slice = cases.slice(start, start + CLI_PARALLEL);
        await Promise.all(slice.map(([env, compose], slot) => expectCliAnswers(hosts.hosts[slot]!.dir, env, compose)));
      }
    } finally {
      hosts.cleanup();
    }
  }, 180_000);
});

const CLI_PARALLEL = 2;

async function expectCliAnswers(dir: string, env: string, compose: string): Promise<void> {
  writeFileSync(path.join(dir, '.env'), env);
  writeFileSync(path.join(dir, COMPOSE_LABEL), compose);
  const replay = `generated .env ${JSON.stringify(env)}\ncompose ${JSON.stringify(compose)}`;
  const run = await runInProcess(['check', '--json'], { cwd: dir });
  expect([0, 3], `${replay}\nexit ${run.exitCode}\n${run.stderr}`).toContain(run.exitCode);
  const document = jsonOf(run);
  expect(document).toMatchObject({ command: 'check', exitCode: run.exitCode, ok: run.exitCode === 0 });
  const config = await loadHostConfig({ host: resolveHostProject({ cwd: dir }), env: process.env });
  for (const secret of registeredSecrets(config.values)) {
    expect(run.stdout + run.stderr, replay).not.toContain(secret);
  }
}

interface JsonDiagnostic {
  severity: string;
  code: string;
  line?: number;
  key?: string;
  file?: string;
  message: string;
}

const diagnosticsOf = (document: Record<string, unknown>) => document.diagnostics as JsonDiagnostic[];

describe('named hostile cases', () => {
  const hosts: HostFixture[] = [];
  afterAll(() => {
    for (const fixture of hosts.splice(0)) fixture.cleanup();
  });
  const host = (env: string | undefined, compose?: string) => {
    const fixture = makeHost({ ...(env === undefined ? {} : { env }), ...(compose === undefined ? {} : { compose }) });
    hosts.push(fixture);
    return fixture;
  };

  it('$(...), backticks, `;` and newlines in values are read as text and never executed (check, init, secret, disable, enable)', async () => {
    const markers = mkdtempSync(path.join(os.tmpdir(), 'datalayer-never-run-'));
    const marker = (name: string) => path.join(markers, name);
    try {
      const env = [
        seedEnv().replace('CHAINLIT_USERNAME=OpenRAG', `CHAINLIT_USERNAME=$(touch ${marker('dollar-paren')})`),
        `CHAINLIT_GREETING=\`touch ${marker('backtick')}\``,
        `APP_NOTE=eu-central-1; touch ${marker('semicolon')} #`,
        `MULTI_LINE="first\n$(touch ${marker('multi-line')})\n\`touch ${marker('multi-line-backtick')}\`"`,
        `LITERAL='$(touch ${marker('single-quoted')})'`,
        `$(touch ${marker('in-a-key')})=1`,
        '',
      ].join('\n');
      const compose = FORK_LIKE_COMPOSE.replace('SERVICES: s3', `SERVICES: "$(touch ${marker('compose')})"`);
      const fixture = host(env, compose);
      const keyLine = env.split('\n').findLastIndex((line) => line.startsWith('$(touch')) + 1;

      const check = await runInProcess(['check', '--json'], { cwd: fixture.dir });
      expect(check.exitCode).toBe(3);
      const syntax = diagnosticsOf(jsonOf(check)).filter((d) => d.code === 'ENV_SYNTAX');
      expect(syntax.map((d) => d.line)).toEqual([keyLine]);
      const config = await loadHostConfig({ host: resolveHostProject({ cwd: fixture.dir }), env: {} });
      expect(config.values.CHAINLIT_USERNAME).toBe(`$(touch ${marker('dollar-paren')})`);
      expect(config.values.CHAINLIT_GREETING).toBe(`\`touch ${marker('backtick')}\``);
      expect(config.values.APP_NOTE).toBe(`eu-central-1; touch ${marker('semicolon')}`);
      expect(config.values.MULTI_LINE).toBe(`first\n$(touch ${marker('multi-line')})\n\`touch ${marker('multi-line-backtick')}\``);
      expect(config.values.LITERAL).toBe(`$(touch ${marker('single-quoted')})`);

      for (const args of [['check'], ['init', '--no-submodule'], ['secret', '--write'], ['disable'], ['enable']]) {
        const run = await runInProcess(args, { cwd: fixture.dir });
        expect([0, 3], `${args.join(' ')}: ${run.stderr}`).toContain(run.exitCode);
      }
      expect(readdirSync(markers)).toEqual([]);
    } finally {
      rmSync(markers, { recursive: true, force: true });
    }
  }, 60_000);

  it('a 10 MB .env is refused at once with the size limit named (exit 3, one JSON document)', async () => {
    const fixture = host(undefined);
    const envPath = fixture.write('.env', `CHAINLIT_AUTH_SECRET=${'x'.repeat(10 * 1024 * 1024)}\n`);
    await expect(checkHost({ host: resolveHostProject({ cwd: fixture.dir }), env: {} })).rejects.toBeInstanceOf(ConfigError);

    const run = await runCli(['check', '--json'], { cwd: fixture.dir, timeoutMs: 30_000 });
    expect(run.exitCode).toBe(3);
    const document = jsonOf(run);
    expect(document).toMatchObject({ ok: false, command: 'check', exitCode: 3 });
    expect((document.error as { message: string }).message).toMatch(/over the 5 MB limit/);
    // The value is not echoed back (it would be a secret here).
    expect(run.stdout).not.toContain('xxxxxxxx');

    const init = await runCli(['init', '--no-submodule'], { cwd: fixture.dir, timeoutMs: 30_000 });
    expect(init.exitCode).toBe(3);
    expect(init.stderr).toMatch(/over the 5 MB limit/);
    expect(statSync(envPath).size).toBe(10 * 1024 * 1024 + 'CHAINLIT_AUTH_SECRET=\n'.length);
  }, 60_000);

  it('a .env just under the limit, every line broken, is answered with a bounded list of diagnostics', async () => {
    const broken = 'not a setting!\nDUP=1\n';
    const fixture = host(broken.repeat(Math.floor((4.5 * 1024 * 1024) / broken.length)));
    const run = await runCli(['check', '--json'], { cwd: fixture.dir, timeoutMs: 60_000 });
    expect(run.exitCode).toBe(3);
    const diagnostics = diagnosticsOf(jsonOf(run));
    const syntax = diagnostics.filter((d) => d.code === 'ENV_SYNTAX');
    expect(syntax).toHaveLength(MAX_DIAGNOSTICS_PER_KIND + 1);
    expect(syntax[0]).toMatchObject({ line: 1, file: '.env' });
    expect(syntax.at(-1)?.message).toMatch(/^\d+ more like the above, from line 101 on/);
    const duplicate = diagnostics.find((d) => d.code === 'ENV_DUPLICATE_KEY');
    expect(duplicate?.message).toMatch(/^DUP is defined \d+ times \(lines 2, 4, .*, … \(\d+ more\) and \d+\)/);
    expect(run.stdout.length).toBeLessThan(100_000);
  }, 90_000);

  it('a UTF-8 byte order mark is not part of the first key: CHAINLIT_AUTH_SECRET on line 1 is recognised', async () => {
    const rest = seedEnv().replace(/^CHAINLIT_AUTH_SECRET=.*\n/m, '');
    const fixture = host(`\uFEFFCHAINLIT_AUTH_SECRET=changeme\n${rest}`);
    const check = await checkHost({ host: resolveHostProject({ cwd: fixture.dir }), env: {} });
    expect(Object.keys(check.config.values)).toContain('CHAINLIT_AUTH_SECRET');
    expect(Object.keys(check.config.values).some((key) => key.includes('\uFEFF'))).toBe(false);
    expect(check.diagnostics.filter((d) => d.code.startsWith('ENV_SYNTAX'))).toEqual([]);
    expect(check.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'ENV_SECRET_PLACEHOLDER', line: 1, key: 'CHAINLIT_AUTH_SECRET', file: '.env' }),
    );
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    expect(diagnosticsOf(jsonOf(run))).toContainEqual(expect.objectContaining({ code: 'ENV_SECRET_PLACEHOLDER', line: 1 }));
  });

  it('a DATABASE_URL whose user holds a "/" is refused without showing the password that ends up in its path', async () => {
    const password = 'pw-only-in-the-url-4f1c9a';
    const env = seedEnv().replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=postgresql://team/app:${password}@db.example.net:5432/postgres`);
    const fixture = host(env);
    for (const args of [['check'], ['check', '--json'], ['check', '--verbose']]) {
      const run = await runInProcess(args, { cwd: fixture.dir });
      expect(run.exitCode).toBe(3);
      expect(run.stdout + run.stderr).not.toContain(password);
      expect(run.stdout + run.stderr).toContain('ENV_DATABASE_URL_INVALID');
    }
  });

  it('a YAML alias bomb in the compose file is refused before it expands (COMPOSE_FILE_INVALID)', async () => {
    const levels = ['  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 9; level++) levels.push(`  a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]`);
    const bomb = `x-lol:\n${levels.join('\n')}\nservices:\n  postgres:\n    image: postgres:16\n    environment: {BOMB: *a9}\n`;
    const fixture = host(seedEnv(), bomb);
    const run = await runCli(['check', '--json'], { cwd: fixture.dir, timeoutMs: 30_000 });
    expect(run.exitCode).toBe(3);
    const invalid = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'COMPOSE_FILE_INVALID');
    expect(invalid).toMatchObject({ severity: 'error', file: COMPOSE_LABEL, key: 'CHAINLIT_DATALAYER_COMPOSE' });
    expect(invalid?.message).toMatch(/alias/i);
  }, 60_000);

  it('a compose path that leaves the host through `..` is warned (COMPOSE_OUTSIDE_HOST), on its line', async () => {
    const fixture = host(seedEnv().replace('CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml', 'CHAINLIT_DATALAYER_COMPOSE=../elsewhere/compose.yaml'));
    fixture.write('../elsewhere/compose.yaml', FORK_LIKE_COMPOSE);
    const check = await checkHost({ host: resolveHostProject({ cwd: fixture.dir }), env: {} });
    const line = seedEnv().split('\n').findIndex((text) => text.startsWith('CHAINLIT_DATALAYER_COMPOSE=')) + 1;
    expect(check.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'COMPOSE_OUTSIDE_HOST', key: 'CHAINLIT_DATALAYER_COMPOSE', line }),
    );
    expect(check.compose?.services.length).toBeGreaterThan(0);
  });

  it('a compose path inside the host that is a symbolic link to a file outside is warned as such', async () => {
    const fixture = host(seedEnv());
    const outside = fixture.write('../elsewhere/compose.yaml', FORK_LIKE_COMPOSE);
    const inside = path.join(fixture.dir, COMPOSE_LABEL);
    rmSync(inside);
    symlinkSync(outside, inside);
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    const warning = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'COMPOSE_OUTSIDE_HOST');
    expect(warning).toMatchObject({ severity: 'warning', file: '.env', key: 'CHAINLIT_DATALAYER_COMPOSE' });
    expect(warning?.message).toContain('symbolic link');
  });

  it('a host folder whose name starts with two dots is inside the host (no COMPOSE_OUTSIDE_HOST)', async () => {
    const fixture = host(seedEnv().replace('CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml', 'CHAINLIT_DATALAYER_COMPOSE=..stack/compose.yaml'));
    fixture.write('..stack/compose.yaml', FORK_LIKE_COMPOSE);
    const check = await checkHost({ host: resolveHostProject({ cwd: fixture.dir }), env: {} });
    expect(check.compose?.services.length).toBeGreaterThan(0);
    expect(check.diagnostics.map((d) => d.code)).not.toContain('COMPOSE_OUTSIDE_HOST');
  });

  it.each([
    ['check'],
    ['init', '--no-submodule'],
    ['secret', '--write'],
    ['disable'],
    ['enable'],
  ])('--cwd that does not exist: `%s` exits 2 with one JSON document and creates nothing', async (...args) => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-no-cwd-'));
    try {
      const missing = path.join(parent, 'not-there');
      const run = await runInProcess([...args.flat(), '--cwd', missing, '--json']);
      expect(run.exitCode).toBe(2);
      expect(jsonOf(run)).toMatchObject({ ok: false, exitCode: 2 });
      expect((jsonOf(run).error as { message: string }).message).toContain('no such directory');
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('--cwd naming a file, not a directory, exits 2', async () => {
    const fixture = host(seedEnv());
    const run = await runInProcess(['check', '--cwd', path.join(fixture.dir, '.env')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no such directory');
  });
});

describe('files the user running datalayer cannot read', () => {
  const noUser = unprivilegedUserUnavailable();
  it.skipIf(noUser !== undefined)(`an unreadable compose file is a diagnostic (exit 3), not a crash${noUser ? ` — skipped: ${noUser}` : ''}`, async () => {
    const fixture = makeHost({ env: seedEnv() });
    try {
      chmodSync(fixture.dir, 0o755);
      chmodSync(path.join(fixture.dir, '.env'), 0o644);
      chmodSync(path.join(fixture.dir, COMPOSE_LABEL), 0o000);
      const run = await runCliAsNobody(['check', '--json'], fixture.dir);
      expect(run.exitCode, run.stderr).toBe(3);
      const invalid = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'COMPOSE_FILE_INVALID');
      expect(invalid).toMatchObject({ severity: 'error', file: COMPOSE_LABEL });
      expect(invalid?.message).toContain('cannot be read: EACCES');
    } finally {
      fixture.cleanup();
    }
  });
});
