/** Appending to `.gitignore` the entries datalayer needs, without repeating what is already covered. */

export interface GitignorePlan {
  text: string;
  added: string[];
}

const HEADER = '# datalayer: local configuration (secrets) and its own state';

/**
 * The new `.gitignore` text, or undefined when every entry is already ignored by a plain pattern
 * (`.env`, `/.env`, `.env*`, `.datalayer`, `/.datalayer/`...). Existing bytes are kept; the
 * file's own line ending is used.
 */
export function planGitignore(existing: string | undefined, entries: readonly string[]): GitignorePlan | undefined {
  const text = existing ?? '';
  const patterns = activePatterns(text);
  const added = entries.filter((entry) => !patterns.some((pattern) => pattern.test(entryName(entry))));
  if (added.length === 0) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const block = [HEADER, ...added].join(eol) + eol;
  return { text: text + blankLineBefore(text, eol) + block, added };
}

/** What to add so that the block starts after one blank line (nothing in an empty file). */
function blankLineBefore(text: string, eol: string): string {
  if (text === '' || /\n\s*\n$/.test(text)) return '';
  return text.endsWith('\n') ? eol : eol + eol;
}

function entryName(entry: string): string {
  return entry.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Top-level, non-negated patterns as regular expressions over a name (no slashes inside). */
function activePatterns(text: string): RegExp[] {
  const patterns: RegExp[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const name = line.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\*\*\//, '');
    if (name.includes('/')) continue;
    patterns.push(globToRegExp(name));
  }
  return patterns;
}

function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((character) => {
      if (character === '*') return '[^/]*';
      if (character === '?') return '[^/]';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}
