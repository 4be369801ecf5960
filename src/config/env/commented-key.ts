/** Which variable a comment line defines: `# KEY=value` written by hand, or a line `disable` commented out. */
import { isInlineSpace, isKeyCharacter } from './characters.js';

/**
 * What `disable` puts in front of every line it comments out. It tells datalayer's own comments
 * from the user's (`# POSTGRES_DB=old_value` kept on purpose), so that `enable` restores exactly
 * the lines `disable` commented, and nothing else.
 */
export const DISABLED_MARK = '#[disabled by datalayer] ';

/**
 * Reads `[blanks] [export blanks] KEY [blanks]` from `index`: the key (undefined when there is
 * none) and the first character after it, which tells a definition (`=`, `:`) from anything else.
 */
function readKey(body: string, index: number, contentEnd: number): { key: string | undefined; next: string; atEnd: boolean } {
  const skipBlanks = () => {
    while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  };
  skipBlanks();
  if (body.startsWith('export', index) && isInlineSpace(body.charCodeAt(index + 6))) {
    index += 6;
    skipBlanks();
  }
  const start = index;
  while (index < contentEnd) {
    const codePoint = body.codePointAt(index) ?? 0;
    if (!isKeyCharacter(codePoint)) break;
    index += codePoint > 0xffff ? 2 : 1;
  }
  const end = index;
  skipBlanks();
  return { key: end > start ? body.slice(start, end) : undefined, next: body.charAt(index), atEnd: index >= contentEnd };
}

/**
 * Ignores the `#` and blanks, an optional `export`, then wants `KEY=`: the shape of a commented
 * definition. A line `disable` commented (DISABLED_MARK) is read as the line it was: `KEY=`,
 * `KEY:` or a bare `KEY`.
 */
export function detectCommentedKey(body: string, hashIndex: number, contentEnd: number): string | undefined {
  if (body.startsWith(DISABLED_MARK, hashIndex)) {
    const { key, next, atEnd } = readKey(body, hashIndex + DISABLED_MARK.length, contentEnd);
    return atEnd || next === '=' || next === ':' ? key : undefined;
  }
  const { key, next } = readKey(body, hashIndex + 1, contentEnd);
  return next === '=' ? key : undefined;
}
