import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../src/support/errors.js';
import { GitClient } from '../../src/git/git-client.js';
import { readGitmodules } from '../../src/git/gitmodules.js';
import { locateDataLayerSubmodule } from '../../src/git/locate-submodule.js';
import { findRepository, isRepository } from '../../src/git/repository.js';
import { submoduleState } from '../../src/git/submodule-state.js';
import { commitOf, isAncestor, remoteDefaultBranch } from '../../src/git/submodule-update.js';
import { makeContext } from '../helpers/context.js';
import { cloneHostWithoutSubmodules, type GitSandbox, makeHostRepo, makeHostWithSubmodule, makeUpstream, sandboxPerTest, SUBMODULE, type UpstreamFixture } from '../helpers/git-fixtures.js';

let sandbox: GitSandbox;
let upstream: UpstreamFixture;
const current = sandboxPerTest((fresh) => makeUpstream(fresh));
beforeEach(() => ({ sandbox, fixture: upstream } = current()));

const client = (dir: string, verbose = false) => {
  const context = makeContext(dir, { env: sandbox.env, verbose });
  return { git: new GitClient(context, dir, { allowFileProtocol: true }), context };
};

async function stateOf(host: string) {
  const { git } = client(host);
  const repository = await findRepository(git);
  if (!repository) throw new Error('fixture host is not a repository');
  const location = await locateDataLayerSubmodule(git, repository, host, undefined);
  return submoduleState(git, repository.root, location.entry);
}

describe('GitClient', () => {
  it('reports a failing exit code even when git prints nothing on stderr', async () => {
    const { git } = client(upstream.work);
    const head = await commitOf(git, 'HEAD');
    expect(head).toBe(upstream.initialCommit);
    expect(await commitOf(git, 'refs/heads/no-such-branch')).toBeUndefined();
    expect(await isAncestor(git, upstream.initialCommit, upstream.initialCommit)).toBe(true);
    const later = upstream.commit({ 'x.txt': 'x\n' }, 'Later');
    expect(await isAncestor(git, later, upstream.initialCommit)).toBe(false);
  });

  it('turns "git not found" into a missing prerequisite with a hint', async () => {
    const context = makeContext(upstream.work, { env: { PATH: path.join(sandbox.root, 'nowhere') } });
    const git = new GitClient(context, upstream.work);
    await expect(git.run(['status'])).rejects.toBeInstanceOf(PrerequisiteError);
  });

  it('echoes the argv it runs under --verbose, nothing otherwise', async () => {
    const loud = client(upstream.work, true);
    await loud.git.run(['rev-parse', 'HEAD']);
    expect(loud.context.output.stderr()).toContain('$ git -c protocol.file.allow=always rev-parse HEAD');
    const quiet = client(upstream.work, false);
    await quiet.git.run(['rev-parse', 'HEAD']);
    expect(quiet.context.output.stderr()).toBe('');
  });
});

describe('repository and .gitmodules', () => {
  it('tells a work tree from a plain directory', async () => {
    const plain = path.join(sandbox.root, 'plain');
    mkdirSync(plain);
    expect(await findRepository(client(plain).git)).toBeUndefined();
    const host = makeHostRepo(sandbox);
    expect(await findRepository(client(host).git)).toEqual({ root: host });
    mkdirSync(path.join(host, 'sub'));
    expect(await isRepository(client(path.join(host, 'sub')).git)).toBe(false);
    expect(await isRepository(client(host).git)).toBe(true);
  });

  it('reads .gitmodules through git (quoting and comments included)', async () => {
    const host = makeHostRepo(sandbox);
    writeFileSync(
      path.join(host, '.gitmodules'),
      '; written by hand\n[submodule "data layer"]\n\tpath = "third party/dl"\n\turl = https://example.test/chainlit-datalayer.git\n\tbranch = stable # follow releases\n',
    );
    expect(await readGitmodules(client(host).git, host)).toEqual([
      { name: 'data layer', path: 'third party/dl', url: 'https://example.test/chainlit-datalayer.git', branch: 'stable' },
    ]);
  });

  it('finds the data-layer submodule by its URL when it is not at the default path', async () => {
    const host = makeHostWithSubmodule(sandbox, upstream, 'host', 'vendor/chainlit-datalayer');
    // The fixture remote is named chainlit-datalayer.git, so its URL names it.
    const { git } = client(host);
    const location = await locateDataLayerSubmodule(git, { root: host }, host, undefined);
    expect(location.pathInRepository).toBe('vendor/chainlit-datalayer');
    expect(location.entry?.url).toBe(upstream.url);
  });
});

describe('submoduleState', () => {
  it('absent when .gitmodules does not list it', async () => {
    expect(await stateOf(makeHostRepo(sandbox))).toEqual({ kind: 'absent' });
  });

  it('registered but not checked out after a plain clone', async () => {
    const host = cloneHostWithoutSubmodules(sandbox, upstream);
    expect(await stateOf(host)).toMatchObject({ kind: 'registered-not-checked-out', recordedCommit: upstream.initialCommit });
  });

  it('checked out, on its branch, clean, level with its upstream', async () => {
    const host = makeHostWithSubmodule(sandbox, upstream);
    expect(await stateOf(host)).toMatchObject({
      kind: 'checked-out',
      head: upstream.initialCommit,
      recordedCommit: upstream.initialCommit,
      branch: 'main',
      tracking: { upstream: 'origin/main', ahead: 0, behind: 0 },
      changes: [],
    });
  });

  it('lists tracked changes (untracked files, such as a bind-mounted data folder, do not count)', async () => {
    const host = makeHostWithSubmodule(sandbox, upstream);
    const dir = path.join(host, SUBMODULE);
    writeFileSync(path.join(dir, 'compose.yaml'), 'services: {}\n');
    mkdirSync(path.join(dir, '.data', 'postgres'), { recursive: true });
    writeFileSync(path.join(dir, '.data', 'postgres', 'PG_VERSION'), '16\n');
    expect(await stateOf(host)).toMatchObject({ changes: [' M compose.yaml'] });
  });

  it('detached, and ahead/behind its upstream', async () => {
    const host = makeHostWithSubmodule(sandbox, upstream);
    const dir = path.join(host, SUBMODULE);
    sandbox.git(dir, 'checkout', '-q', '--detach');
    expect(await stateOf(host)).toMatchObject({ branch: undefined, tracking: undefined });

    sandbox.git(dir, 'checkout', '-q', 'main');
    upstream.commit({ 'a.txt': 'a\n' }, 'Upstream change');
    sandbox.git(dir, 'fetch', '-q');
    writeFileSync(path.join(dir, 'b.txt'), 'b\n');
    sandbox.git(dir, 'add', 'b.txt');
    sandbox.git(dir, 'commit', '-q', '-m', 'Local change');
    expect(await stateOf(host)).toMatchObject({ branch: 'main', tracking: { ahead: 1, behind: 1 } });
  });

  it("knows the remote's default branch", async () => {
    const host = makeHostWithSubmodule(sandbox, upstream);
    expect(await remoteDefaultBranch(client(path.join(host, SUBMODULE)).git)).toBe('main');
  });
});
