import { UsageError } from '../support/errors.js';
import type { Redactor } from '../report/redactor.js';

/**
 * Values that end up in a git argv: one beginning with `-` would be read as an option
 * (`--upload-pack=...` runs a program), so it is refused before git ever sees it.
 */
export function assertNotOption(option: string, value: string): void {
  if (value.startsWith('-')) {
    throw new UsageError(`${option} ${JSON.stringify(value)}: values beginning with "-" are not accepted.`, {
      hint: `Pass a ${option.replace(/^--/, '')} name that does not begin with "-".`,
    });
  }
  if (value.trim() === '' || /[\0\n\r]/.test(value)) {
    throw new UsageError(`${option}: an empty value or one with control characters is not accepted.`);
  }
}

/**
 * A submodule path names a directory of the working tree. One inside `.git` (any repository's: a
 * `.git` segment anywhere) would put a checkout among git's own files, where git reads hooks and
 * config: refused, as git refuses such paths in its index.
 */
export function assertWorkTreePath(option: string, value: string): void {
  if (value.split(/[\\/]+/).some((segment) => segment.toLowerCase() === '.git')) {
    throw new UsageError(`${option} ${JSON.stringify(value)}: a path inside .git is git's own storage, not a place for the submodule.`, {
      hint: 'Choose a directory of the working tree, e.g. --path extern/chainlit-datalayer.',
    });
  }
}

/**
 * Whether a remote URL is on this machine (a path or a file:// URL). Git blocks the file transport
 * for submodules unless told otherwise; it is allowed only for such URLs.
 */
export function isLocalUrl(url: string): boolean {
  if (/^file:\/\//i.test(url)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return false;
  // scp-like syntax `host:path` (but not a Windows drive letter `C:\`).
  if (/^[^/\\]+:/.test(url) && !/^[a-z]:[\\/]/i.test(url)) return false;
  return true;
}

/** User names that are access tokens themselves (GitHub, GitLab), as in `https://ghp_xxx@github.com/...`. */
const TOKEN_USER_NAME = /^(gh[pousr]_|glpat-|x-access-token)/;

/**
 * A submodule URL is written into `.gitmodules`, which is committed and pushed: a password or a
 * token in it would be published. Refused before anything runs, saying how git takes credentials.
 */
export function assertNoUrlCredentials(option: string, url: string): void {
  if (!URL.canParse(url)) return;
  const { password, username, host } = new URL(url);
  if (!password && !TOKEN_USER_NAME.test(username)) return;
  const plain = new URL(url);
  plain.username = '';
  plain.password = '';
  throw new UsageError(`${option} holds credentials, which would be written into .gitmodules (a committed file) and staged.`, {
    hint:
      `Give the URL without them (${option} ${plain.toString()}) and let git supply the credentials: a credential ` +
      'helper (`git config --global credential.helper store`, or `gh auth setup-git`), or ' +
      `\`git config --global url."https://USER:TOKEN@${host}/".insteadOf "https://${host}/"\`, which rewrites the URL ` +
      'only when git fetches.',
  });
}

/** A token inside a remote URL (`https://user:token@host/...`) is masked wherever the URL is echoed. */
export function registerUrlCredentials(redactor: Redactor, url: string | undefined): void {
  if (url === undefined || !URL.canParse(url)) return;
  const { password, username } = new URL(url);
  if (password) redactor.add(password, decodeURIComponentSafely(password));
  else if (username && TOKEN_USER_NAME.test(username)) redactor.add(username);
}

function decodeURIComponentSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Not percent-encoded: the raw form is the one registered.
    return text;
  }
}
