import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GitClient } from './git-client.js';
import type { GitmodulesEntry } from './gitmodules.js';
import { isRepository } from './repository.js';

export interface BranchTracking {
  upstream: string;
  /** Commits on the local branch that the upstream does not have. */
  ahead: number;
  /** Commits on the upstream that the local branch does not have. */
  behind: number;
}

export type SubmoduleState =
  | { kind: 'absent' }
  | { kind: 'registered-not-checked-out'; entry: GitmodulesEntry; recordedCommit: string | undefined }
  | {
      kind: 'checked-out';
      entry: GitmodulesEntry;
      /** The commit the host's index records for the submodule (its gitlink). */
      recordedCommit: string | undefined;
      head: string;
      /** The local branch, or undefined when HEAD is detached (as `git submodule update` leaves it). */
      branch: string | undefined;
      tracking: BranchTracking | undefined;
      /** `git status` lines of tracked files changed in the submodule (untracked files do not block). */
      changes: string[];
    };

/** Where the data-layer submodule stands in the host repository. */
export async function submoduleState(git: GitClient, root: string, entry: GitmodulesEntry | undefined): Promise<SubmoduleState> {
  if (!entry) return { kind: 'absent' };
  const recordedCommit = await recordedGitlink(git, entry.path);
  const directory = path.join(root, entry.path);
  // A checkout has `.git` (a file pointing into the host's .git/modules); a plain clone leaves an empty directory.
  if (!existsSync(path.join(directory, '.git'))) return { kind: 'registered-not-checked-out', entry, recordedCommit };
  const inside = git.at(directory);
  if (!(await isRepository(inside))) return { kind: 'registered-not-checked-out', entry, recordedCommit };
  const head = (await inside.output(['rev-parse', '--verify', 'HEAD'], 'reading the submodule commit')).trim();
  const branchOutcome = await inside.run(['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const branch = branchOutcome.ok ? branchOutcome.stdout.trim() : undefined;
  return {
    kind: 'checked-out',
    entry,
    recordedCommit,
    head,
    branch,
    tracking: branch ? await branchTracking(inside) : undefined,
    changes: await trackedChanges(inside),
  };
}

/** The commit id staged in the host's index for the submodule path, if any. */
export async function recordedGitlink(git: GitClient, submodulePath: string): Promise<string | undefined> {
  const listing = await git.output(['ls-files', '--stage', '-z', '--', submodulePath], 'reading the submodule pointer');
  const match = /^160000 ([0-9a-f]{40,64}) \d\t/.exec(listing);
  return match?.[1];
}

/** Tracked files modified, staged or deleted in a work tree, as `git status --porcelain` lines. */
export async function trackedChanges(git: GitClient): Promise<string[]> {
  const listing = await git.output(['status', '--porcelain=v1', '-z', '--untracked-files=no'], 'listing local changes');
  return parsePorcelainStatus(listing);
}

/** `XY path` records separated by NUL; a rename or copy carries its source as the next record. */
export function parsePorcelainStatus(listing: string): string[] {
  const records = listing.split('\0');
  const lines: string[] = [];
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index] ?? '';
    if (record.length < 4) continue;
    const status = record.slice(0, 2);
    const file = record.slice(3);
    if (status.includes('R') || status.includes('C')) {
      const source = records[index + 1] ?? '';
      index += 1;
      lines.push(`${status} ${source} -> ${file}`);
    } else {
      lines.push(`${status} ${file}`);
    }
  }
  return lines;
}

async function branchTracking(git: GitClient): Promise<BranchTracking | undefined> {
  const upstream = await git.run(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
  if (!upstream.ok) return undefined;
  const counts = await git.output(['rev-list', '--left-right', '--count', 'HEAD...@{upstream}'], 'comparing with the upstream branch');
  const [ahead = 0, behind = 0] = counts.trim().split(/\s+/).map(Number);
  return { upstream: upstream.stdout.trim(), ahead, behind };
}
