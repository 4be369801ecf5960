import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { initCommand as init } from '../../src/commands/init/index.js';
import { checkHost } from '../../src/config/check-host.js';
import { DATA_LAYER_KEYS } from '../../src/config/env-template.js';
import { dataOutput, invoke, jsonOutput, makeContext } from '../helpers/context.js';
import { cloneHostWithoutSubmodules, type GitSandbox, makeHostRepo, makeHostWithSubmodule, makeUpstream, sandboxPerTest, SUBMODULE, type UpstreamFixture } from '../helpers/git-fixtures.js';

let sandbox: GitSandbox;
let upstream: UpstreamFixture;

const current = sandboxPerTest((fresh) => makeUpstream(fresh));
beforeEach(() => ({ sandbox, fixture: upstream } = current()));

const context = (dir: string, options: { json?: boolean; verbose?: boolean } = {}) =>
  makeContext(dir, { env: sandbox.env, yes: true, ...options });
const read = (file: string) => readFileSync(file, 'utf8');

function envValue(text: string, key: string): string | undefined {
  const match = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
  return match?.[1];
}

describe('init on a host with no .gitmodules', () => {
  it('registers and checks out the submodule, writes .env and .gitignore, and check passes', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host);

    const exitCode = await invoke(init, { url: upstream.url }, ctx);

    expect(ctx.output.stderr()).toBe('');
    expect(exitCode).toBe(0);
    expect(read(path.join(host, '.gitmodules'))).toBe(`[submodule "${SUBMODULE}"]\n\tpath = ${SUBMODULE}\n\turl = ${upstream.url}\n`);
    expect(sandbox.git(path.join(host, SUBMODULE), 'rev-parse', 'HEAD')).toBe(upstream.initialCommit);
    const envFile = path.join(host, '.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = read(envFile);
    expect(envValue(env, 'CHAINLIT_DATALAYER_COMPOSE')).toBe(`${SUBMODULE}/compose.yaml`);
    expect(envValue(env, 'CHAINLIT_AUTH_SECRET')).toMatch(/^[A-Za-z0-9]{64}$/);
    for (const key of DATA_LAYER_KEYS) expect(envValue(env, key), key).toBeDefined();
    expect(read(path.join(host, '.gitignore'))).toContain('\n.env\n.datalayer/\n');
    expect(ctx.output.stdout()).not.toContain(envValue(env, 'CHAINLIT_AUTH_SECRET'));
    // The command runs for a host that is not the current directory: the next step says where.
    expect(ctx.output.stdout()).toContain(`Next: datalayer -C ${host} up`);

    // "check passes": the lead's checkHost on what init left.
    const check = await checkHost(makeContext(host, { env: sandbox.env }), {});
    expect(check.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(check.state).toBe('local');
  });

  it('a second run says nothing changed and leaves .env, .gitmodules and git status byte-identical', async () => {
    const host = makeHostRepo(sandbox);
    expect(await invoke(init, { url: upstream.url }, context(host))).toBe(0);
    const snapshot = () => ({
      env: read(path.join(host, '.env')),
      gitmodules: read(path.join(host, '.gitmodules')),
      gitignore: read(path.join(host, '.gitignore')),
      status: sandbox.git(host, 'status', '--porcelain=v1', '--ignored'),
      index: sandbox.git(host, 'ls-files', '--stage'),
    });
    const first = snapshot();

    const ctx = context(host);
    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(0);

    expect(snapshot()).toEqual(first);
    expect(ctx.output.stdout()).toContain('nothing to change');
  });
});

describe('init on a host cloned without --recurse-submodules', () => {
  it('checks the submodule out; an existing .env (comments, CRLF, unrelated keys) keeps every byte and only gains missing keys', async () => {
    const host = cloneHostWithoutSubmodules(sandbox, upstream);
    expect(readdirSync(path.join(host, SUBMODULE))).toEqual([]);
    const original =
      '# My app\r\nexport OPENAI_API_KEY="sk-test #not a comment"\r\n\r\n' +
      "GREETING='hello world'   # said on start\r\nCHAINLIT_AUTH_SECRET=kept-secret-value-that-is-long-enough-0123456789\r\n" +
      'POSTGRES_PORT=5433\r\n# BUCKET_NAME=old-bucket\r\nLAST_LINE=no-final-newline';
    writeFileSync(path.join(host, '.env'), original, { mode: 0o640 });
    const ctx = context(host, { json: true });

    const exitCode = await invoke(init, {}, ctx);

    expect(sandbox.git(path.join(host, SUBMODULE), 'rev-parse', 'HEAD')).toBe(upstream.initialCommit);
    const env = read(path.join(host, '.env'));
    expect(env.startsWith(`${original}\r\n`)).toBe(true);
    const added = env.slice(original.length + 2);
    expect(added.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
    expect(added).toContain('CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml\r\n');
    expect(added).toContain('DATABASE_URL=');
    // Already defined, or kept commented by the user: not added again.
    expect(added).not.toContain('POSTGRES_PORT=');
    expect(added).not.toContain('BUCKET_NAME=');
    expect(added).not.toContain('CHAINLIT_AUTH_SECRET=');
    // The seed's order: the compose pointer, then Postgres, then S3, then LocalStack.
    const order = ['CHAINLIT_DATALAYER_COMPOSE', 'POSTGRES_USER', 'DATABASE_URL', 'APP_AWS_REGION', 'DEV_AWS_ENDPOINT'].map((key) => added.indexOf(`${key}=`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(statSync(path.join(host, '.env')).mode & 0o777).toBe(0o640);

    expect(jsonOutput(ctx)).toMatchObject({ command: 'init', exitCode });
    const document = dataOutput(ctx);
    expect(document).toMatchObject({
      submodule: { path: SUBMODULE, url: upstream.url, commit: upstream.initialCommit, action: 'checked-out' },
      composeFile: `${SUBMODULE}/compose.yaml`,
    });
    expect(document.changes).toContainEqual({
      file: '.env',
      action: 'append',
      keys: ['CHAINLIT_DATALAYER_COMPOSE', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'DATABASE_URL', 'APP_AWS_ACCESS_KEY', 'APP_AWS_SECRET_KEY', 'APP_AWS_REGION', 'LOCALSTACK_PORT', 'DEV_AWS_ENDPOINT'],
    });
  });

  it('replaces a placeholder secret in place, the one line it may change', async () => {
    const host = cloneHostWithoutSubmodules(sandbox, upstream);
    const before = '# auth\nCHAINLIT_AUTH_SECRET=... # generate one\nOTHER=1\n';
    writeFileSync(path.join(host, '.env'), before);

    await invoke(init, {}, context(host));

    const env = read(path.join(host, '.env'));
    const secret = /^CHAINLIT_AUTH_SECRET=([A-Za-z0-9]{64}) # generate one$/m.exec(env)?.[1];
    expect(secret).toBeDefined();
    // Every other byte of the file is where it was; only data-layer keys follow.
    expect(env.startsWith(before.replace('...', secret ?? ''))).toBe(true);
  });
});

describe('init on a host whose submodule directory was deleted', () => {
  it('checks it out again from what git kept', async () => {
    const host = makeHostWithSubmodule(sandbox, upstream);
    rmSync(path.join(host, 'extern'), { recursive: true, force: true });
    const ctx = context(host, { json: true });

    await invoke(init, {}, ctx);

    expect(sandbox.git(path.join(host, SUBMODULE), 'rev-parse', 'HEAD')).toBe(upstream.initialCommit);
    expect(dataOutput(ctx)).toMatchObject({ submodule: { action: 'checked-out', commit: upstream.initialCommit } });
  });
});

describe('init refuses cleanly', () => {
  it('exit 4 with a hint outside a git repository, and writes nothing', async () => {
    const dir = path.join(sandbox.root, 'plain');
    mkdirSync(dir);
    const ctx = context(dir);

    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(4);

    expect(ctx.output.stderr()).toContain('git init');
    expect(ctx.output.stderr()).toContain('--no-submodule');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([['.git/evil'], ['.git'], ['extern/../.git/hooks'], ['vendor/.GIT/x']])('--path %s (inside .git) is refused (exit 2): nothing is added there', async (inside) => {
    const host = makeHostRepo(sandbox);
    const before = sandbox.git(host, 'status', '--porcelain=v1', '--ignored');
    const ctx = context(host);

    expect(await invoke(init, { url: upstream.url, path: inside }, ctx)).toBe(2);

    expect(ctx.output.stderr()).toContain("git's own storage");
    expect(existsSync(path.join(host, '.git', 'evil'))).toBe(false);
    expect(existsSync(path.join(host, '.gitmodules'))).toBe(false);
    expect(sandbox.git(host, 'status', '--porcelain=v1', '--ignored')).toBe(before);
  });

  it('exit 4 naming an unreachable URL, with no half-made submodule left behind', async () => {
    const host = makeHostRepo(sandbox);
    const missing = path.join(sandbox.root, 'no-such-remote.git');
    const ctx = context(host, { json: true });

    expect(await invoke(init, { url: missing }, ctx)).toBe(4);

    expect(JSON.stringify(jsonOutput(ctx).error)).toContain(missing);
    expectNothingHalfMade(host);
  });

  it('cleans up after a failed add when the URL could not be tried first (a relative URL)', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host);

    expect(await invoke(init, { url: '../no-such-sibling.git' }, ctx)).toBe(4);

    expect(ctx.output.stderr()).toContain('no-such-sibling.git');
    expectNothingHalfMade(host);
  });

  it('exit 4 when git is not installed', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = makeContext(host, { env: { ...sandbox.env, PATH: path.join(sandbox.root, 'empty-bin') } });
    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(4);
    expect(ctx.output.stderr()).toContain('git is not installed');
  });

  it.each([
    ['--path', { path: '-x' }],
    ['--url', { url: '--upload-pack=touch pwned' }],
    ['--branch', { branch: '-b' }],
  ])('exit 2 for a %s value beginning with "-"', async (_option, options) => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { verbose: true });
    expect(await invoke(init, options, ctx)).toBe(2);
    expect(ctx.output.stderr()).not.toContain('$ git');
    expect(existsSync(path.join(host, '.env'))).toBe(false);
  });
});

describe('init keeps what is already there', () => {
  it('exit 6 when a directory that is not a submodule sits at the path, changing nothing', async () => {
    const host = makeHostRepo(sandbox);
    mkdirSync(path.join(host, SUBMODULE), { recursive: true });
    writeFileSync(path.join(host, SUBMODULE, 'notes.txt'), 'mine\n');
    const ctx = context(host);

    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(6);

    expect(ctx.output.stderr()).toContain('already exists');
    expect(readdirSync(path.join(host, SUBMODULE))).toEqual(['notes.txt']);
    expect(existsSync(path.join(host, '.gitmodules'))).toBe(false);
    expect(existsSync(path.join(host, '.env'))).toBe(false);
  });

  it('--json prints one document with what was done, and never the generated secret', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { json: true });

    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(0);

    const secret = envValue(read(path.join(host, '.env')), 'CHAINLIT_AUTH_SECRET') ?? '';
    expect(secret).toHaveLength(64);
    expect(ctx.output.stdout()).not.toContain(secret);
    expect(ctx.output.stderr()).toBe('');
    expect(jsonOutput(ctx)).toMatchObject({ ok: true, command: 'init', exitCode: 0 });
    expect(dataOutput(ctx)).toMatchObject({
      state: 'local',
      submodule: { path: SUBMODULE, url: upstream.url, commit: upstream.initialCommit, action: 'added' },
      changes: [
        { file: '.env', action: 'create', from: 'template' },
        { file: '.gitignore', action: 'create', keys: ['.env', '.datalayer/'] },
      ],
      composeFile: `${SUBMODULE}/compose.yaml`,
      dryRun: false,
      nextCommand: 'datalayer up',
    });
  });
});

function expectNothingHalfMade(host: string): void {
  expect(existsSync(path.join(host, '.gitmodules'))).toBe(false);
  expect(existsSync(path.join(host, 'extern'))).toBe(false);
  expect(existsSync(path.join(host, '.git', 'modules'))).toBe(false);
  expect(existsSync(path.join(host, '.env'))).toBe(false);
  expect(sandbox.git(host, 'status', '--porcelain')).toBe('');
}

describe('init options and variants', () => {
  it('--dry-run lists the changes and writes nothing', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { json: true });

    expect(await invoke(init, { url: upstream.url, dryRun: true }, ctx)).toBe(0);

    expect(readdirSync(host).sort()).toEqual(['.git', 'README.md']);
    expect(sandbox.git(host, 'status', '--porcelain')).toBe('');
    const document = dataOutput(ctx);
    expect(document).toMatchObject({
      dryRun: true,
      submodule: { path: SUBMODULE, action: 'added', commit: null },
      nextCommand: 'datalayer init',
    });
    expect((document.changes as Array<{ file: string; action: string }>).map((c) => [c.file, c.action])).toEqual([
      ['.env', 'create'],
      ['.gitignore', 'create'],
    ]);
    expect(JSON.stringify(jsonOutput(ctx))).not.toMatch(/CHAINLIT_AUTH_SECRET=/);
  });

  it('creates .env from .env.example: placeholder secret generated, compose pointer set, the example untouched', async () => {
    const host = makeHostRepo(sandbox);
    const example = '# copy me to .env\nCHAINLIT_AUTH_SECRET=changeme\nCHAINLIT_DATALAYER_COMPOSE=path/to/compose.yaml\nAPP_NAME=demo\n';
    writeFileSync(path.join(host, '.env.example'), example);

    expect(await invoke(init, { url: upstream.url }, context(host))).toBe(0);

    expect(read(path.join(host, '.env.example'))).toBe(example);
    const env = read(path.join(host, '.env'));
    expect(env.startsWith('# copy me to .env\nCHAINLIT_AUTH_SECRET=')).toBe(true);
    expect(envValue(env, 'CHAINLIT_AUTH_SECRET')).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(envValue(env, 'CHAINLIT_DATALAYER_COMPOSE')).toBe(`${SUBMODULE}/compose.yaml`);
    expect(envValue(env, 'APP_NAME')).toBe('demo');
    expect(statSync(path.join(host, '.env')).mode & 0o777).toBe(0o600);
  });

  it('finds the compose file the submodule has (docker-compose.yml)', async () => {
    const other = makeUpstream(sandbox, 'renamed-datalayer', { composeFileName: 'docker-compose.yml' });
    const host = makeHostRepo(sandbox);
    expect(await invoke(init, { url: other.url, path: 'vendor/datalayer' }, context(host))).toBe(0);
    expect(envValue(read(path.join(host, '.env')), 'CHAINLIT_DATALAYER_COMPOSE')).toBe('vendor/datalayer/docker-compose.yml');
    expect(read(path.join(host, '.gitmodules'))).toContain('path = vendor/datalayer');
  });

  it('a host in a subdirectory of its repository: the submodule path is recorded from the repository root', async () => {
    const repository = makeHostRepo(sandbox, 'monorepo');
    const app = path.join(repository, 'apps', 'chat');
    mkdirSync(app, { recursive: true });

    const ctx = context(app);
    expect(await invoke(init, { url: upstream.url }, ctx)).toBe(0);

    expect(read(path.join(repository, '.gitmodules'))).toContain(`path = apps/chat/${SUBMODULE}`);
    expect(envValue(read(path.join(app, '.env')), 'CHAINLIT_DATALAYER_COMPOSE')).toBe(`${SUBMODULE}/compose.yaml`);
    expect(existsSync(path.join(app, '.gitignore'))).toBe(true);
    // The commit line runs where .gitmodules is, the repository's top: pasted into a shell, it commits.
    const commitLine = /^Commit the submodule with: (.*)$/m.exec(ctx.output.stdout())?.[1];
    expect(commitLine).toBe(`git -C ${repository} commit -m "Add the chainlit-datalayer submodule" -- .gitmodules apps/chat/${SUBMODULE}`);
    await execa('sh', ['-c', commitLine!], { env: sandbox.env });
    expect(sandbox.git(repository, 'ls-tree', '--name-only', '-r', 'HEAD', '--', '.gitmodules', `apps/chat/${SUBMODULE}`).split('\n')).toEqual(['.gitmodules', `apps/chat/${SUBMODULE}`]);
  });

  it('--branch is recorded in .gitmodules', async () => {
    const host = makeHostRepo(sandbox);
    expect(await invoke(init, { url: upstream.url, branch: 'main' }, context(host))).toBe(0);
    expect(read(path.join(host, '.gitmodules'))).toContain('branch = main');
  });

  it('appends only what an existing .gitignore lacks, in its own line endings', async () => {
    const host = makeHostRepo(sandbox);
    writeFileSync(path.join(host, '.gitignore'), 'node_modules/\r\n/.env\r\n');
    expect(await invoke(init, { url: upstream.url }, context(host))).toBe(0);
    const gitignore = read(path.join(host, '.gitignore'));
    expect(gitignore.startsWith('node_modules/\r\n/.env\r\n\r\n# ')).toBe(true);
    expect(gitignore.endsWith('\r\n.datalayer/\r\n')).toBe(true);
    expect(gitignore.match(/\.env/g)).toHaveLength(1);
  });

  it('--no-submodule outside git, without the submodule files: the data-layer block is written off, and the next steps fetch the files', async () => {
    const dir = path.join(sandbox.root, 'no-git');
    mkdirSync(dir);
    const ctx = context(dir, { json: true });

    expect(await invoke(init, { submodule: false }, ctx)).toBe(0);

    const env = read(path.join(dir, '.env'));
    expect(env).toContain('\n# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml\n');
    // A DATABASE_URL on the compose host `postgres` with nothing to start it could never work.
    for (const key of DATA_LAYER_KEYS) expect(envValue(env, key), key).toBeUndefined();
    expect(existsSync(path.join(dir, '.gitmodules'))).toBe(false);
    expect(dataOutput(ctx)).toMatchObject({
      submodule: null,
      composeFile: null,
      state: 'disabled',
      submoduleFilesMissing: 'extern/chainlit-datalayer',
      nextCommand: 'datalayer enable',
      nextSteps: [
        `git -C ${dir} clone https://github.com/OpenLLM-France/chainlit-datalayer.git extern/chainlit-datalayer`,
        `datalayer -C ${dir} enable`,
        `datalayer -C ${dir} up`,
      ],
    });
  });

  it('leaves a disabled block disabled and points at `datalayer enable`', async () => {
    const host = cloneHostWithoutSubmodules(sandbox, upstream);
    const disabled = `CHAINLIT_AUTH_SECRET=${'x'.repeat(40)}\n${DATA_LAYER_KEYS.map((key) => `# ${key}=v`).join('\n')}\n`;
    writeFileSync(path.join(host, '.env'), disabled);
    const ctx = context(host, { json: true });

    expect(await invoke(init, {}, ctx)).toBe(0);

    expect(read(path.join(host, '.env'))).toBe(disabled);
    expect(dataOutput(ctx)).toMatchObject({ state: 'disabled', nextCommand: 'datalayer enable' });
  });

  it('echoes the git commands under --verbose', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { verbose: true });
    await invoke(init, { url: upstream.url }, ctx);
    expect(ctx.output.stderr()).toMatch(/\$ git -c protocol\.file\.allow=always submodule add -- \S+ extern\/chainlit-datalayer/);
  });

  it.each([
    ['a password or token after the user name', (token: string) => `https://user:${token}@127.0.0.1:9/chainlit-datalayer.git`],
    ['a token as the user name', (token: string) => `https://ghp_${token}@127.0.0.1:9/chainlit-datalayer.git`],
  ])('refuses a --url with credentials (%s): nothing written or staged, the token never shown, how to give credentials', async (_label, urlWith) => {
    const host = makeHostRepo(sandbox);
    const token = 'tok3nThatMustNotLeak';
    for (const options of [{ verbose: true }, { json: true }]) {
      const ctx = context(host, options);
      expect(await invoke(init, { url: urlWith(token) }, ctx)).toBe(2);
      const printed = ctx.output.stdout() + ctx.output.stderr();
      expect(printed).not.toContain(token);
      expect(printed).toContain('credential helper');
      expect(printed).toContain('insteadOf');
      expect(printed).toContain('--url https://127.0.0.1:9/chainlit-datalayer.git');
      expect(printed).not.toContain('$ git');
    }
    expect(existsSync(path.join(host, '.gitmodules'))).toBe(false);
    expect(existsSync(path.join(host, '.env'))).toBe(false);
    expect(sandbox.git(host, 'status', '--porcelain')).toBe('');
  });

  it('a user name alone is no secret: the URL is used (and git asks its credential helper)', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { verbose: true });
    expect(await invoke(init, { url: 'https://alice@127.0.0.1:9/chainlit-datalayer.git' }, ctx)).toBe(4);
    expect(ctx.output.stderr()).toContain('$ git ls-remote');
  });

  it('does not open the file protocol for a remote URL', async () => {
    const host = makeHostRepo(sandbox);
    const ctx = context(host, { verbose: true });
    // An unreachable https URL (no network in tests): the probe fails before anything is written.
    expect(await invoke(init, { url: 'https://127.0.0.1:9/chainlit-datalayer.git' }, ctx)).toBe(4);
    expect(ctx.output.stderr()).toContain('$ git ls-remote');
    expect(ctx.output.stderr()).not.toContain('protocol.file.allow');
    expectNothingHalfMade(host);
  });
});
