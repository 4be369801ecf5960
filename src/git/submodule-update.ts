import { existsSync } from 'node:fs';
import path from 'node:path';
import { PrerequisiteError, RefusedError } from '../support/errors.js';
import { maskUrlPassword } from '../report/redactor.js';
import type { GitClient } from './git-client.js';

const REMOTE = 'origin';

export interface UpdateTarget {
  /** What was asked for, as the user would say it: `origin/main`, `v1.2.0`, `5e185fd`. */
  label: string;
  kind: 'branch' | 'tag' | 'commit';
  commit: string;
  /** For a branch target: the branch name on the remote. */
  branch: string | undefined;
}

export interface CommitSummary {
  commit: string;
  subject: string;
}

/** `git fetch origin` in the submodule; a failure means the remote cannot be reached. */
export async function fetchRemote(submodule: GitClient, url: string | undefined): Promise<void> {
  const outcome = await submodule.run(['fetch', '--quiet', REMOTE]);
  if (!outcome.ok) {
    throw new PrerequisiteError(`could not fetch from the submodule's remote${url ? ` ${maskUrlPassword(url)}` : ''}:\n${outcome.stderr}`, {
      hint: 'Check the network and your git credentials, then run the command again.',
    });
  }
}

/**
 * The commit to move to: `--ref` (a remote branch, a tag or a commit id), else the `.gitmodules`
 * branch, else the remote's default branch (what `origin/HEAD` points at).
 */
export async function resolveUpdateTarget(submodule: GitClient, ref: string | undefined, configuredBranch: string | undefined): Promise<UpdateTarget> {
  if (ref !== undefined) return resolveExplicitRef(submodule, ref);
  const branch = configuredBranch ?? (await remoteDefaultBranch(submodule));
  const commit = await commitOf(submodule, `refs/remotes/${REMOTE}/${branch}`);
  if (!commit) {
    throw new PrerequisiteError(`the submodule's remote has no branch ${branch}.`, {
      hint: 'Fix the `branch =` line of .gitmodules, or pass --ref with a branch, tag or commit that exists.',
    });
  }
  return { label: `${REMOTE}/${branch}`, kind: 'branch', commit, branch };
}

async function resolveExplicitRef(submodule: GitClient, ref: string): Promise<UpdateTarget> {
  const branchCommit = await commitOf(submodule, `refs/remotes/${REMOTE}/${ref}`);
  if (branchCommit) return { label: `${REMOTE}/${ref}`, kind: 'branch', commit: branchCommit, branch: ref };
  const tagCommit = await commitOf(submodule, `refs/tags/${ref}`);
  if (tagCommit) return { label: ref, kind: 'tag', commit: tagCommit, branch: undefined };
  if (/^[0-9a-f]{4,64}$/i.test(ref)) {
    const commit = (await commitOf(submodule, ref)) ?? (await fetchSingleCommit(submodule, ref));
    if (commit) return { label: ref, kind: 'commit', commit, branch: undefined };
  }
  throw new PrerequisiteError(`--ref ${ref}: no such branch, tag or commit on the submodule's remote.`, {
    hint: `List what exists with \`git -C <submodule path> ls-remote ${REMOTE}\`.`,
  });
}

/** A commit that no fetched branch contains: servers may still hand it out by id. */
async function fetchSingleCommit(submodule: GitClient, id: string): Promise<string | undefined> {
  const outcome = await submodule.run(['fetch', '--quiet', REMOTE, '--', id]);
  return outcome.ok ? commitOf(submodule, 'FETCH_HEAD') : undefined;
}

/** The remote's default branch: from `origin/HEAD`, else by asking the remote. */
export async function remoteDefaultBranch(submodule: GitClient): Promise<string> {
  const local = await submodule.run(['symbolic-ref', '--quiet', '--short', `refs/remotes/${REMOTE}/HEAD`]);
  if (local.ok) return local.stdout.trim().replace(`${REMOTE}/`, '');
  const remote = await submodule.output(['ls-remote', '--symref', REMOTE, 'HEAD'], "asking the remote for its default branch");
  const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(remote);
  if (!match?.[1]) {
    throw new PrerequisiteError("cannot tell the submodule remote's default branch.", {
      hint: 'Pass --ref with the branch to follow, or add a `branch =` line to .gitmodules.',
    });
  }
  return match[1];
}

/** The commit a revision names, or undefined when it names none. */
export async function commitOf(git: GitClient, revision: string): Promise<string | undefined> {
  const outcome = await git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]);
  return outcome.ok ? outcome.stdout.trim() : undefined;
}

export type Movement = 'up-to-date' | 'fast-forward';

/**
 * Fast-forward only: the target must contain the current commit. A target behind it or beside it
 * would drop commits from the submodule, so that is refused and nothing moves.
 */
export async function planFastForward(submodule: GitClient, head: string, target: UpdateTarget, displayPath: string): Promise<Movement> {
  if (head === target.commit) return 'up-to-date';
  if (await isAncestor(submodule, head, target.commit)) return 'fast-forward';
  const targetIsOlder = await isAncestor(submodule, target.commit, head);
  const local = await commitSummaries(submodule, target.commit, head);
  throw new RefusedError(
    targetIsOlder
      ? `${displayPath} is ahead of ${target.label}: moving there would not be a fast-forward.`
      : `${displayPath} has diverged from ${target.label}: moving there would drop its commits.`,
    {
      hint: targetIsOlder
        ? `To go back on purpose, run \`git -C ${displayPath} checkout ${target.commit.slice(0, 12)}\` yourself.`
        : `Commits only in the submodule:\n${local.map((c) => `  ${c.commit.slice(0, 7)} ${c.subject}`).join('\n')}\nPush or rebase them in ${displayPath}, then run the command again.`,
      data: { target: target.label, localCommits: local },
    },
  );
}

/** Moves the submodule to the target: its branch by `merge --ff-only` when it follows that branch, else a detached checkout. */
export async function fastForward(submodule: GitClient, currentBranch: string | undefined, target: UpdateTarget): Promise<void> {
  const followsTarget = currentBranch !== undefined && currentBranch === target.branch;
  const args = followsTarget ? ['merge', '--ff-only', '--quiet', target.commit] : ['checkout', '--quiet', '--detach', target.commit];
  const outcome = await submodule.run(args);
  if (!outcome.ok) {
    throw new RefusedError(`could not move ${submodule.dir} to ${target.label}:\n${outcome.stderr}`, {
      hint: 'Files in the submodule are in the way (git says which); move them aside and run the command again.',
    });
  }
  if (existsSync(path.join(submodule.dir, '.gitmodules'))) {
    await submodule.output(['submodule', 'update', '--init', '--recursive'], 'updating nested submodules');
  }
}

export async function isAncestor(git: GitClient, ancestor: string, descendant: string): Promise<boolean> {
  const outcome = await git.run(['merge-base', '--is-ancestor', ancestor, descendant]);
  return outcome.ok;
}

/** Commits in `from..to`, oldest first. */
export async function commitSummaries(git: GitClient, from: string, to: string): Promise<CommitSummary[]> {
  const listing = await git.output(['log', '--reverse', '--format=%H%x1f%s%x1e', `${from}..${to}`, '--'], 'listing commits');
  return listing
    .split('\x1e')
    .map((record) => record.trim())
    .filter((record) => record !== '')
    .map((record) => {
      const [commit = '', subject = ''] = record.split('\x1f');
      return { commit, subject };
    });
}

/** Paths that differ between two commits. */
export async function changedPaths(git: GitClient, from: string, to: string): Promise<string[]> {
  const listing = await git.output(['diff', '--name-only', '-z', '--no-renames', from, to, '--'], 'listing changed files');
  return listing.split('\0').filter((entry) => entry !== '');
}
