import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { FORK_LIKE_COMPOSE } from './host-fixture.js';
import { initMigrationName, initMigrationSql, lockFileToml, tagsMigrationName, tagsMigrationSql } from './migration-fixtures.js';

/**
 * Real git repositories in a temp directory: an upstream shaped like the chainlit-datalayer fork,
 * its bare clone as the remote, and host repositories that use it. Nothing touches the network.
 */
export interface GitSandbox {
  root: string;
  /** Environment for git and for the commands under test: own HOME, no system config, an identity. */
  env: Record<string, string>;
  /** Runs git in `cwd` (file remotes allowed, as in these fixtures they all are); returns trimmed stdout. */
  git(cwd: string, ...args: string[]): string;
  cleanup(): void;
}

export function makeGitSandbox(): GitSandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), 'datalayer-git-'));
  const home = path.join(root, 'home');
  mkdirSync(home);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Fixture Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Fixture Author',
    GIT_COMMITTER_EMAIL: 'author@example.test',
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'protocol.file.allow=always', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  return { root, env, git, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A sandbox whose repositories are built once per test file and put back as they were before each test. */
export interface ReusableSandbox<T> {
  sandbox: GitSandbox;
  fixture: T;
  /** Puts back every file of the sandbox as `build` left it. */
  reset(): void;
  cleanup(): void;
}

/**
 * Builds the repositories once (a dozen git processes) and restores a copy before each test. The
 * repositories name each other by absolute path, so the copy goes back to the same directory.
 */
export function buildSandboxOnce<T>(build: (sandbox: GitSandbox) => T): ReusableSandbox<T> {
  const sandbox = makeGitSandbox();
  const fixture = build(sandbox);
  const pristine = `${sandbox.root}-pristine`;
  const copy = (from: string, to: string) => cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  copy(sandbox.root, pristine);
  return {
    sandbox,
    fixture,
    reset: () => {
      rmSync(sandbox.root, { recursive: true, force: true });
      copy(pristine, sandbox.root);
    },
    cleanup: () => {
      sandbox.cleanup();
      rmSync(pristine, { recursive: true, force: true });
    },
  };
}

/**
 * The per-file git fixture of a test file: built once before its tests, restored before each
 * test, removed after them. Returns what the current test works with.
 */
export function sandboxPerTest<T>(build: (sandbox: GitSandbox) => T): () => { sandbox: GitSandbox; fixture: T } {
  let built: ReusableSandbox<T> | undefined;
  beforeAll(() => {
    built = buildSandboxOnce(build);
  });
  beforeEach(() => built!.reset());
  afterAll(() => built?.cleanup());
  return () => ({ sandbox: built!.sandbox, fixture: built!.fixture });
}

/** The submodule's two migrations and lock file (Chainlit-shaped SQL of our own). */
const MIGRATIONS: Record<string, string> = {
  [`${initMigrationName}/migration.sql`]: initMigrationSql,
  [`${tagsMigrationName}/migration.sql`]: tagsMigrationSql,
  'migration_lock.toml': lockFileToml,
};

export interface UpstreamFixture {
  /** A working clone used to make new upstream commits. */
  work: string;
  /** The bare repository that plays the remote. */
  bare: string;
  /** The URL hosts use (an absolute path to the bare repository). */
  url: string;
  initialCommit: string;
  /** Writes files in the working clone, commits, pushes to the remote; returns the commit id. */
  commit(files: Record<string, string>, message: string): string;
  /** Creates a lightweight tag on the remote. */
  tag(name: string, commit: string): void;
}

export interface UpstreamOptions {
  composeFileName?: string;
  /** Files added to (or replacing) the initial commit's. */
  files?: Record<string, string>;
  /** Files committed with their exec bit (mode 100755), as the fork's init script is. */
  executables?: string[];
}

export function makeUpstream(sandbox: GitSandbox, name = 'chainlit-datalayer', options: UpstreamOptions = {}): UpstreamFixture {
  const source = path.join(sandbox.root, `${name}-source`);
  mkdirSync(source);
  sandbox.git(source, 'init', '-q');
  const files: Record<string, string> = {
    [options.composeFileName ?? 'compose.yaml']: FORK_LIKE_COMPOSE,
    'localstack-script.sh': '#!/bin/sh\necho "bucket set-up goes here"\n',
    'README.md': '# fixture data layer\n',
    ...Object.fromEntries(Object.entries(MIGRATIONS).map(([file, text]) => [`prisma/migrations/${file}`, text])),
    ...options.files,
  };
  writeFiles(source, files);
  for (const file of options.executables ?? []) chmodSync(path.join(source, file), 0o755);
  sandbox.git(source, 'add', '-A');
  sandbox.git(source, 'commit', '-q', '-m', 'Initial data layer');
  const bare = path.join(sandbox.root, `${name}.git`);
  sandbox.git(sandbox.root, 'clone', '-q', '--bare', source, bare);
  const work = path.join(sandbox.root, `${name}-work`);
  sandbox.git(sandbox.root, 'clone', '-q', bare, work);
  const initialCommit = sandbox.git(work, 'rev-parse', 'HEAD');
  return {
    work,
    bare,
    url: bare,
    initialCommit,
    commit: (changes, message) => {
      writeFiles(work, changes);
      sandbox.git(work, 'add', '-A');
      sandbox.git(work, 'commit', '-q', '-m', message);
      sandbox.git(work, 'push', '-q', 'origin', 'HEAD:main');
      return sandbox.git(work, 'rev-parse', 'HEAD');
    },
    tag: (tagName, commit) => {
      sandbox.git(work, 'tag', tagName, commit);
      sandbox.git(work, 'push', '-q', 'origin', `refs/tags/${tagName}`);
    },
  };
}

/** A host repository with one commit and no submodule. */
export function makeHostRepo(sandbox: GitSandbox, name = 'host'): string {
  const dir = path.join(sandbox.root, name);
  mkdirSync(dir);
  sandbox.git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'README.md'), '# a Chainlit app\n');
  sandbox.git(dir, 'add', 'README.md');
  sandbox.git(dir, 'commit', '-q', '-m', 'Initial host');
  return dir;
}

/** A host whose submodule is added, checked out and committed (what a finished `init` + commit leaves). */
export function makeHostWithSubmodule(sandbox: GitSandbox, upstream: UpstreamFixture, name = 'host', submodulePath = 'extern/chainlit-datalayer'): string {
  const dir = makeHostRepo(sandbox, name);
  sandbox.git(dir, 'submodule', 'add', '-q', '--', upstream.url, submodulePath);
  sandbox.git(dir, 'commit', '-q', '-m', 'Add the data layer submodule');
  return dir;
}

/** A clone of a host made without `--recurse-submodules`: registered in .gitmodules, directory empty. */
export function cloneHostWithoutSubmodules(sandbox: GitSandbox, upstream: UpstreamFixture, name = 'cloned-host'): string {
  const original = makeHostWithSubmodule(sandbox, upstream, `${name}-original`);
  const bareHost = path.join(sandbox.root, `${name}-remote.git`);
  sandbox.git(sandbox.root, 'clone', '-q', '--bare', original, bareHost);
  const dir = path.join(sandbox.root, name);
  sandbox.git(sandbox.root, 'clone', '-q', bareHost, dir);
  return dir;
}

/** Every file of a directory (recursively, `.git` excluded) with its bytes, to compare states. */
export function snapshotTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = readFileSync(full).toString('base64');
    }
  };
  walk(dir);
  return files;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(dir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** Where the hosts of these fixtures keep the submodule, as the seed does. */
export const SUBMODULE = 'extern/chainlit-datalayer';

/**
 * A git sandbox and an upstream made before each test of the file and removed after it. `onMade`
 * receives them, for the test file to keep in variables of its own.
 */
export function freshUpstreamPerTest(onMade: (made: { sandbox: GitSandbox; upstream: UpstreamFixture }) => void): void {
  let sandbox: GitSandbox | undefined;
  beforeEach(() => {
    sandbox = makeGitSandbox();
    onMade({ sandbox, upstream: makeUpstream(sandbox) });
  });
  afterEach(() => sandbox?.cleanup());
}
