import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { updateSubmoduleCommand as updateSubmodule } from '../../src/commands/update-submodule/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { commands } from '../../src/commands/index.js';
import { dataOutput, invoke, jsonOutput, makeContext } from '../helpers/context.js';
import { cloneHostWithoutSubmodules, type GitSandbox, makeHostRepo, makeHostWithSubmodule, makeUpstream, sandboxPerTest, SUBMODULE, type UpstreamFixture } from '../helpers/git-fixtures.js';

let sandbox: GitSandbox;
let upstream: UpstreamFixture;
let host: string;

const current = sandboxPerTest((fresh) => {
  const made = makeUpstream(fresh);
  return { upstream: made, host: makeHostWithSubmodule(fresh, made) };
});
beforeEach(() => {
  const { sandbox: made, fixture } = current();
  sandbox = made;
  ({ upstream, host } = fixture);
});

const submoduleDir = () => path.join(host, SUBMODULE);
const submoduleHead = () => sandbox.git(submoduleDir(), 'rev-parse', 'HEAD');
const stagedGitlink = () => sandbox.git(host, 'ls-files', '--stage', '--', SUBMODULE).split(/\s+/)[1];
const committedGitlink = () => sandbox.git(host, 'rev-parse', `HEAD:${SUBMODULE}`);
const context = (options: { json?: boolean; verbose?: boolean } = {}) => makeContext(host, { env: sandbox.env, ...options });

function twoUpstreamCommits(): { composeCommit: string; head: string } {
  const composeCommit = upstream.commit(
    { 'compose.yaml': readFileSync(path.join(upstream.work, 'compose.yaml'), 'utf8').replace('postgres:16', 'postgres:16.4') },
    'Pin the postgres image',
  );
  const head = upstream.commit({ 'README.md': '# fixture data layer\n\nMore words.\n' }, 'Explain the data layer');
  return { composeCommit, head };
}

describe('update-submodule after two new upstream commits', () => {
  it('moves to the new head, lists both subjects, says the compose file changed, stages the gitlink', async () => {
    const { head } = twoUpstreamCommits();
    const ctx = context();
    const exitCode = await invoke(updateSubmodule, {}, ctx);

    expect(exitCode).toBe(0);
    expect(submoduleHead()).toBe(head);
    expect(stagedGitlink()).toBe(head);
    expect(committedGitlink()).toBe(upstream.initialCommit);
    const text = ctx.output.stdout();
    expect(text).toContain('Pin the postgres image');
    expect(text).toContain('Explain the data layer');
    expect(text).toContain(`${upstream.initialCommit.slice(0, 7)}..${head.slice(0, 7)}`);
    expect(text).toContain('the compose file changed');
    expect(text).not.toContain('prisma/migrations changed');
    // The command ran for a host that is not the current directory (as with -C): what it suggests
    // is typed from here, and the commit line, run by a shell as a user would paste it, commits.
    expect(text).toContain(`Next: datalayer -C ${host} up to apply the new compose file.`);
    const commitLine = /^ {4}(git -C .*) {3}\(or run with --commit\)$/m.exec(text)?.[1];
    expect(commitLine).toBe(`git -C ${host} commit -m 'Update ${SUBMODULE} to ${head.slice(0, 7)}' -- ${SUBMODULE}`);
    await execa('sh', ['-c', commitLine!], { env: sandbox.env });
    expect(committedGitlink()).toBe(head);
    expect(sandbox.git(host, 'log', '-1', '--format=%s')).toBe(`Update ${SUBMODULE} to ${head.slice(0, 7)}`);
  });

  it('prints upstream commit subjects without terminal control sequences (text, --verbose and --json)', async () => {
    const hostile = 'Clear\x1b[2J\x1b[H the screen\x1b]0;pwned title\x07, 8-bit \x9b2J CSI, bell\x07 and\rreturn';
    const head = upstream.commit({ 'README.md': 'changed\n' }, hostile);
    for (const options of [{ verbose: true }, { json: true }]) {
      const ctx = context(options);
      expect(await invoke(updateSubmodule, { dryRun: true }, ctx)).toBe(0);
      const printed = ctx.output.stdout() + ctx.output.stderr();
      expect(printed).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      if (options.json) {
        // The document keeps the subject whole, escaped as JSON.
        expect(dataOutput(ctx)).toMatchObject({ commits: [expect.objectContaining({ commit: head, subject: hostile })] });
      } else {
        expect(printed).toContain('Clear the screen, 8-bit 2J CSI, bell and');
      }
    }
  });

  it('with --commit, commits the gitlink alone with a message listing the range', async () => {
    const { head } = twoUpstreamCommits();
    writeFileSync(path.join(host, 'notes.txt'), 'work in progress\n');
    sandbox.git(host, 'add', 'notes.txt');

    const exitCode = await invoke(updateSubmodule, { commit: true }, context());

    expect(exitCode).toBe(0);
    expect(committedGitlink()).toBe(head);
    const message = sandbox.git(host, 'log', '-1', '--format=%B');
    expect(message).toContain(`${upstream.initialCommit.slice(0, 7)}..${head.slice(0, 7)}`);
    expect(message).toContain('Pin the postgres image');
    expect(message).toContain('Explain the data layer');
    expect(sandbox.git(host, 'show', '--name-only', '--format=', 'HEAD')).toBe(SUBMODULE);
    expect(sandbox.git(host, 'diff', '--cached', '--name-only')).toBe('notes.txt');
  });

  it('--commit after a run that only staged: the message still lists the range since the committed pointer', async () => {
    const { head } = twoUpstreamCommits();
    expect(await invoke(updateSubmodule, {}, context())).toBe(0);

    expect(await invoke(updateSubmodule, { commit: true }, context())).toBe(0);

    expect(committedGitlink()).toBe(head);
    const message = sandbox.git(host, 'log', '-1', '--format=%B');
    expect(message).toContain(`${upstream.initialCommit.slice(0, 7)}..${head.slice(0, 7)}`);
    expect(message).toContain('Pin the postgres image');
  });

  it('with --dry-run, reports the same range and moves nothing', async () => {
    const { head } = twoUpstreamCommits();
    const statusBefore = sandbox.git(host, 'status', '--porcelain');
    const ctx = context({ json: true });

    const exitCode = await invoke(updateSubmodule, { dryRun: true }, ctx);

    expect(exitCode).toBe(0);
    expect(submoduleHead()).toBe(upstream.initialCommit);
    expect(stagedGitlink()).toBe(upstream.initialCommit);
    expect(sandbox.git(host, 'status', '--porcelain')).toBe(statusBefore);
    expect(jsonOutput(ctx)).toMatchObject({ ok: true, command: 'update-submodule', exitCode: 0 });
    const document = dataOutput(ctx);
    expect(document).toMatchObject({
      dryRun: true,
      from: upstream.initialCommit,
      to: head,
      action: 'fast-forward',
      staged: false,
      committed: null,
      changes: { composeFile: true, migrations: false },
      // Nothing moved: the next step is the real run, not `up`.
      nextCommand: 'datalayer update-submodule',
    });
    expect((document.commits as Array<{ subject: string }>).map((c) => c.subject)).toEqual(['Pin the postgres image', 'Explain the data layer']);
    const text = context();
    expect(await invoke(updateSubmodule, { dryRun: true }, text)).toBe(0);
    expect(text.output.stdout()).toContain(`Next: datalayer -C ${host} update-submodule to move it, then datalayer -C ${host} up to apply the new compose file.`);
  });

  it('reports migrations changes', async () => {
    upstream.commit({ 'prisma/migrations/20250201000000_more/migration.sql': 'SELECT 1;\n' }, 'Add a migration');
    const ctx = context({ json: true });
    expect(await invoke(updateSubmodule, {}, ctx)).toBe(0);
    expect(dataOutput(ctx)).toMatchObject({ changes: { composeFile: false, migrations: true } });
  });

  it('says it is up to date when nothing is new, and stages nothing', async () => {
    const ctx = context();
    expect(await invoke(updateSubmodule, {}, ctx)).toBe(0);
    expect(ctx.output.stdout()).toContain('up to date');
    expect(sandbox.git(host, 'status', '--porcelain')).toBe('');
  });

  it('echoes every git command under --verbose', async () => {
    const ctx = context({ verbose: true });
    await invoke(updateSubmodule, {}, ctx);
    expect(ctx.output.stderr()).toMatch(/\$ git .*fetch --quiet origin/);
  });
});

describe('update-submodule refuses, changing nothing', () => {
  it('exit 6 and a list of the files when the submodule has uncommitted changes', async () => {
    twoUpstreamCommits();
    const composePath = path.join(submoduleDir(), 'compose.yaml');
    writeFileSync(composePath, 'services: {}\n');
    const ctx = context();

    const exitCode = await invoke(updateSubmodule, {}, ctx);

    expect(exitCode).toBe(6);
    expect(ctx.output.stderr()).toContain('M compose.yaml');
    expect(submoduleHead()).toBe(upstream.initialCommit);
    expect(readFileSync(composePath, 'utf8')).toBe('services: {}\n');
    expect(sandbox.git(host, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('exit 6 when the submodule branch has diverged from the remote', async () => {
    twoUpstreamCommits();
    writeFileSync(path.join(submoduleDir(), 'local.txt'), 'mine\n');
    sandbox.git(submoduleDir(), 'add', 'local.txt');
    sandbox.git(submoduleDir(), 'commit', '-q', '-m', 'A local experiment');
    const localHead = submoduleHead();
    const ctx = context({ json: true });

    const exitCode = await invoke(updateSubmodule, {}, ctx);

    expect(exitCode).toBe(6);
    expect(submoduleHead()).toBe(localHead);
    const document = jsonOutput(ctx);
    expect(document).toMatchObject({ ok: false, exitCode: 6, data: null });
    expect(dataOutput(ctx)).toMatchObject({ localCommits: [{ commit: localHead, subject: 'A local experiment' }] });
    expect(String((document.error as { message: string }).message)).toContain('diverged');
  });
});

describe('update-submodule --ref', () => {
  it('moves to a tag', async () => {
    const tagged = upstream.commit({ 'CHANGELOG.md': 'v1.1.0\n' }, 'Release 1.1.0');
    upstream.tag('v1.1.0', tagged);
    upstream.commit({ 'CHANGELOG.md': 'v1.1.0\nnext\n' }, 'Start the next version');

    expect(await invoke(updateSubmodule, { ref: 'v1.1.0' }, context())).toBe(0);
    expect(submoduleHead()).toBe(tagged);
    expect(stagedGitlink()).toBe(tagged);
  });

  it('moves to a commit id', async () => {
    const { composeCommit } = twoUpstreamCommits();
    const ctx = context({ json: true });
    expect(await invoke(updateSubmodule, { ref: composeCommit.slice(0, 10) }, ctx)).toBe(0);
    expect(submoduleHead()).toBe(composeCommit);
    expect(dataOutput(ctx)).toMatchObject({ target: { kind: 'commit', commit: composeCommit } });
  });

  it.each(['--upload-pack=touch pwned', '-x', '--'])('exit 2 for %j, before git runs', async (ref) => {
    const ctx = context({ verbose: true });
    expect(await invoke(updateSubmodule, { ref }, ctx)).toBe(2);
    expect(ctx.output.stderr()).not.toContain('$ git');
  });

  it('an option-like --ref reaches the command as a value (and is then refused)', async () => {
    const received: Array<Record<string, unknown>> = [];
    const program = buildProgram(
      '0.0.0',
      commands,
      async (_command, values) => {
        received.push(values);
      },
      { writeOut: () => undefined, writeErr: () => undefined },
    );
    await program.parseAsync(['update-submodule', '--ref=--upload-pack=x'], { from: 'user' });
    expect(received[0]?.ref).toBe('--upload-pack=x');
  });

  it('exit 4 for a ref the remote does not have', async () => {
    const ctx = context();
    expect(await invoke(updateSubmodule, { ref: 'no-such-branch' }, ctx)).toBe(4);
    expect(submoduleHead()).toBe(upstream.initialCommit);
  });
});

describe('update-submodule on other hosts', () => {
  it('checks out a registered submodule that a plain clone left empty', async () => {
    host = cloneHostWithoutSubmodules(sandbox, upstream);
    const { head } = twoUpstreamCommits();
    const ctx = context({ json: true });

    expect(await invoke(updateSubmodule, {}, ctx)).toBe(0);

    expect(dataOutput(ctx)).toMatchObject({ initialized: true, from: upstream.initialCommit, to: head });
    expect(submoduleHead()).toBe(head);
  });

  it('exit 4 with a hint when no submodule is registered', async () => {
    host = makeHostRepo(sandbox, 'bare-host');
    const ctx = context();
    expect(await invoke(updateSubmodule, {}, ctx)).toBe(4);
    expect(ctx.output.stderr()).toContain('datalayer init');
  });

  it('exit 4 outside a git repository', async () => {
    host = path.join(sandbox.root, 'home');
    const ctx = context();
    expect(await invoke(updateSubmodule, {}, ctx)).toBe(4);
    expect(ctx.output.stderr()).toContain('git init');
  });
});

describe('update-submodule never moves backwards', () => {
  it('exit 6 when --ref names a commit older than the checked-out one', async () => {
    upstream.tag('v1.0.0', upstream.initialCommit);
    const { head } = twoUpstreamCommits();
    expect(await invoke(updateSubmodule, {}, context())).toBe(0);
    const ctx = context();

    expect(await invoke(updateSubmodule, { ref: 'v1.0.0' }, ctx)).toBe(6);

    expect(submoduleHead()).toBe(head);
    expect(ctx.output.stderr()).toContain('ahead of v1.0.0');
  });

  it('--commit with --dry-run is a usage error', async () => {
    expect(await invoke(updateSubmodule, { commit: true, dryRun: true }, context())).toBe(2);
  });
});
