import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitCommandLineIn } from '../context/host-project.js';
import { PrerequisiteError, RefusedError } from '../support/errors.js';
import { shellQuote } from '../support/shell-quote.js';
import { maskUrlPassword } from '../report/redactor.js';
import { isLocalUrl } from './arguments.js';
import type { GitClient } from './git-client.js';

export interface AddSubmoduleRequest {
  /** Top level of the host repository. */
  root: string;
  /** Submodule path relative to the root, forward slashes. */
  path: string;
  url: string;
  branch?: string;
  /** Where the user typed the command: the git command lines of hints are said from there. */
  typedIn: string;
}

/**
 * `git submodule add`, all or nothing: the URL is tried first, and if the add still fails,
 * everything it created (the directory, `.git/modules/<name>`, the `.gitmodules` entry, the index
 * entry) is removed before the error is reported.
 */
export async function addSubmodule(git: GitClient, request: AddSubmoduleRequest): Promise<void> {
  const host = git.at(request.root, { allowFileProtocol: await isLocalRemote(git, request.url) });
  await refuseOccupiedPath(host, request);
  await probeRemote(host, request.url);
  const before = await snapshotBeforeAdd(host, request);
  const args = ['submodule', 'add', ...(request.branch ? ['-b', request.branch] : []), '--', request.url, request.path];
  let undone = false;
  const undo = async () => {
    if (undone) return;
    undone = true;
    await undoAdd(host.forCleanup(), request, before);
  };
  const adding = host.run(args);
  // Read when git ends: whether the add was interrupted (then git's own result does not count).
  const interrupted = adding.then(
    () => host.aborted,
    () => true,
  );
  // Interrupted mid-add, the command ends at once, but the process waits for its clean-ups: this
  // one waits for git to have stopped (run() stops its whole tree), then leaves nothing half-made.
  host.onCleanup(async () => {
    if (await interrupted) await undo();
  });
  const outcome = await adding;
  if (outcome.ok) return;
  await undo();
  throw new PrerequisiteError(`could not add the submodule from ${maskUrlPassword(request.url)}:\n${lastLines(outcome.stderr)}`, {
    hint: 'Check the URL (--url) and that this machine can reach it; nothing was changed in the host repository.',
    data: { url: maskUrlPassword(request.url) },
  });
}

/** `git submodule update --init --recursive` for a submodule already in `.gitmodules`. */
export async function initSubmodule(git: GitClient, root: string, submodulePath: string, url: string | undefined): Promise<void> {
  const host = git.at(root, { allowFileProtocol: url !== undefined && (await isLocalRemote(git.at(root), url)) });
  if (url !== undefined) await probeRemote(host, url);
  const outcome = await host.run(['submodule', 'update', '--init', '--recursive', '--', submodulePath]);
  if (!outcome.ok) {
    throw new PrerequisiteError(`could not check out the submodule ${submodulePath}:\n${lastLines(outcome.stderr)}`, {
      hint: `Check that ${url ? maskUrlPassword(url) : 'the URL in .gitmodules'} is reachable, then run the command again.`,
    });
  }
}

/**
 * Whether a submodule URL leads to this machine. A relative URL (`../x.git`) is resolved by git
 * against the host's own `origin`, or against the host directory when it has none.
 */
async function isLocalRemote(host: GitClient, url: string): Promise<boolean> {
  if (!/^\.\.?\//.test(url)) return isLocalUrl(url);
  const origin = await host.run(['config', '--get', 'remote.origin.url']);
  return !origin.ok || isLocalUrl(origin.stdout.trim());
}

/**
 * Asks the remote for its refs before anything is written, so an unreachable URL fails cleanly.
 * Relative URLs resolve against the host's own remote, which only `git submodule` knows how to do.
 */
async function probeRemote(host: GitClient, url: string): Promise<void> {
  if (/^\.\.?\//.test(url)) return;
  const outcome = await host.run(['ls-remote', '--quiet', '--', url, 'HEAD']);
  if (outcome.ok) return;
  const shown = maskUrlPassword(url);
  throw new PrerequisiteError(`cannot reach the submodule repository ${shown}:\n${lastLines(outcome.stderr)}`, {
    hint: 'Check the URL (pass --url to use another), the network and your git credentials; nothing was changed.',
    data: { url: shown },
  });
}

/** A directory or index entry already at the path, that git would refuse or half-adopt. */
async function refuseOccupiedPath(host: GitClient, request: AddSubmoduleRequest): Promise<void> {
  const indexed = await host.output(['ls-files', '-z', '--', request.path], 'reading the index');
  const target = path.join(request.root, request.path);
  const isCheckout = existsSync(path.join(target, '.git'));
  const occupied = indexed !== '' || (existsSync(target) && !isCheckout && !isEmptyDirectory(target));
  if (occupied) {
    throw new RefusedError(`${request.path} already exists but is not a submodule listed in .gitmodules.`, {
      hint: `Move it away (or remove it from the index with \`${gitCommandLineIn(request.typedIn, request.root, `rm -r --cached -- ${shellQuote(request.path)}`)}\`), or choose another --path.`,
    });
  }
}

interface AddSnapshot {
  /** The highest missing ancestor of each place the add may create, removed again on failure. */
  created: string[];
  gitmodules: Buffer | undefined;
}

async function snapshotBeforeAdd(host: GitClient, request: AddSubmoduleRequest): Promise<AddSnapshot> {
  const modulesDir = path.resolve(
    request.root,
    (await host.output(['rev-parse', '--git-path', `modules/${request.path}`], 'locating the git directory')).trim(),
  );
  const gitmodulesFile = path.join(request.root, '.gitmodules');
  return {
    created: [highestMissingAncestor(path.join(request.root, request.path), request.root), highestMissingAncestor(modulesDir, request.root)].filter(
      (entry): entry is string => entry !== undefined,
    ),
    gitmodules: existsSync(gitmodulesFile) ? readFileSync(gitmodulesFile) : undefined,
  };
}

async function undoAdd(host: GitClient, request: AddSubmoduleRequest, before: AddSnapshot): Promise<void> {
  for (const created of before.created) rmSync(created, { recursive: true, force: true });
  const gitmodulesFile = path.join(request.root, '.gitmodules');
  if (before.gitmodules === undefined) rmSync(gitmodulesFile, { force: true });
  else writeFileSync(gitmodulesFile, before.gitmodules);
  const staged = before.gitmodules === undefined ? [request.path, '.gitmodules'] : [request.path];
  await host.output(['rm', '--cached', '-r', '-q', '--ignore-unmatch', '--', ...staged], 'undoing the failed add');
}

/** The first path component under `stopAt` that does not exist yet, on the way to `target`. */
function highestMissingAncestor(target: string, stopAt: string): string | undefined {
  if (existsSync(target)) return undefined;
  let missing = target;
  let parent = path.dirname(target);
  while (parent !== stopAt && parent.startsWith(stopAt) && !existsSync(parent)) {
    missing = parent;
    parent = path.dirname(parent);
  }
  return missing;
}

function isEmptyDirectory(directory: string): boolean {
  return statSync(directory).isDirectory() && readdirSync(directory).length === 0;
}

function lastLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-3)
    .join('\n');
}
