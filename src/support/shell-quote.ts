/**
 * POSIX shell quoting for one word: bare when it holds only characters no shell treats
 * specially, else in single quotes, each `'` written as `'\''`. What `status -o env` prints,
 * the command lines `--verbose` echoes and the `datalayer -C …` lines hints suggest all read
 * back as the same word in sh, bash and zsh.
 */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
