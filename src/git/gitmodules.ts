import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GitClient } from './git-client.js';

/** One `[submodule "name"]` section of `.gitmodules`. */
export interface GitmodulesEntry {
  name: string;
  path: string;
  url: string | undefined;
  /** The `branch =` line, when there is one (OpenRAG's has none). */
  branch: string | undefined;
}

/**
 * Parses `git config --file .gitmodules --null --list`: records `key\nvalue\0`. Git itself reads
 * the file, so quoting, comments and continuation lines follow git's own rules.
 */
export function parseGitmodulesListing(listing: string): GitmodulesEntry[] {
  const byName = new Map<string, Partial<GitmodulesEntry> & { name: string }>();
  for (const record of listing.split('\0')) {
    if (record === '') continue;
    const newline = record.indexOf('\n');
    const key = newline === -1 ? record : record.slice(0, newline);
    const value = newline === -1 ? '' : record.slice(newline + 1);
    const match = /^submodule\.(.+)\.(path|url|branch)$/.exec(key);
    if (!match) continue;
    const [, name = '', field = ''] = match;
    const entry = byName.get(name) ?? { name };
    if (field === 'path') entry.path = value;
    if (field === 'url') entry.url = value;
    if (field === 'branch') entry.branch = value;
    byName.set(name, entry);
  }
  const entries: GitmodulesEntry[] = [];
  for (const entry of byName.values()) {
    if (entry.path === undefined) continue;
    entries.push({ name: entry.name, path: normalizeSubmodulePath(entry.path), url: entry.url, branch: entry.branch });
  }
  return entries;
}

/** The entries of `<repository root>/.gitmodules`; none when the file does not exist. */
export async function readGitmodules(git: GitClient, repositoryRoot: string): Promise<GitmodulesEntry[]> {
  const file = path.join(repositoryRoot, '.gitmodules');
  if (!existsSync(file)) return [];
  const listing = await git.output(['config', '--file', file, '--null', '--list'], 'reading .gitmodules');
  return parseGitmodulesListing(listing);
}

/** Forward slashes, no `./` prefix, no trailing slash: the form git records. */
export function normalizeSubmodulePath(value: string): string {
  return value.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * The entry for the data layer: the one at `wantedPath`, or, when the user did not choose a path,
 * the one whose URL names chainlit-datalayer (a host may keep it elsewhere than the default path).
 */
export function findDataLayerEntry(
  entries: readonly GitmodulesEntry[],
  wantedPath: string,
  pathWasChosen: boolean,
): GitmodulesEntry | undefined {
  const exact = entries.find((entry) => entry.path === normalizeSubmodulePath(wantedPath));
  if (exact || pathWasChosen) return exact;
  const named = entries.filter((entry) => entry.url !== undefined && /chainlit-datalayer(\.git)?\/?$/.test(entry.url));
  return named.length === 1 ? named[0] : undefined;
}
