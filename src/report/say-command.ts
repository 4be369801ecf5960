/**
 * Commands named in text the way the user runs datalayer: `datalayer`, `npx datalayer`, ... (see
 * context/invocation.ts for how that is found out).
 */

export const CANONICAL_INVOCATION = 'datalayer';

/** A datalayer command line (`datalayer -C app up`) said with the user's invocation. */
export function sayCommand(line: string, invocation: string): string {
  if (invocation === CANONICAL_INVOCATION) return line;
  return line.replace(/^datalayer(?=\s|$)/, invocation);
}

/**
 * Messages and hints name commands in backticks (`` `datalayer init` ``); in the text a person
 * reads, each is said with the user's invocation, and with the options that pointed this run at
 * its project (`-C app`), so that the command acts on the same project when typed from the same
 * place. A line that already names its options (`` `datalayer -C app up` ``) is left as it is.
 * JSON documents keep the canonical words.
 */
export function sayCommandsIn(text: string, invocation: string, projectOptions = ''): string {
  if ((invocation === CANONICAL_INVOCATION && projectOptions === '') || !text.includes('`datalayer')) return text;
  return text.replace(/`datalayer(?=[\s`])( (?=[a-z]))?/g, (_, beforeCommand: string | undefined) =>
    beforeCommand && projectOptions ? `\`${invocation} ${projectOptions} ` : `\`${invocation}${beforeCommand ?? ''}`,
  );
}
