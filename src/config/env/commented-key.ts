/** Which variable a comment line defines: `# KEY=value` written by hand, or a line `disable` commented out. */
import { isInlineSpace, isKeyCharacter } from './characters.js';

/**
 * What `disable` puts in front of every line it comments out. It tells datalayer's own comments
 * from the user's (`# POSTGRES_DB=old_value` kept on purpose), so that `enable` restores exactly
 * the lines `disable` commented, and nothing else.
 */
export const DISABLED_MARK = '#[disabled by datalayer] ';

/** The key a line carrying DISABLED_MARK defines: `KEY=`, `KEY:` or a bare `KEY`, as it was before `disable`. */
function disabledKey(body: string, keyStart: number, contentEnd: number): string | undefined {
  let index = keyStart;
  while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  if (body.startsWith('export', index) && isInlineSpace(body.charCodeAt(index + 6))) {
    index += 6;
    while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  }
  const start = index;
  while (index < contentEnd) {
    const codePoint = body.codePointAt(index) ?? 0;
    if (!isKeyCharacter(codePoint)) break;
    index += codePoint > 0xffff ? 2 : 1;
  }
  const end = index;
  while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  const next = body.charAt(index);
  return end > start && (index >= contentEnd || next === '=' || next === ':') ? body.slice(start, end) : undefined;
}

/**
 * Ignores the `#` and blanks, an optional `export`, then wants `KEY=`: the shape of a commented
 * definition. A line `disable` commented (DISABLED_MARK) is read as the line it was.
 */
export function detectCommentedKey(body: string, hashIndex: number, contentEnd: number): string | undefined {
  if (body.startsWith(DISABLED_MARK, hashIndex)) return disabledKey(body, hashIndex + DISABLED_MARK.length, contentEnd);
  let index = hashIndex + 1;
  while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  if (body.startsWith('export', index) && isInlineSpace(body.charCodeAt(index + 6))) {
    index += 6;
    while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  }
  const keyStart = index;
  while (index < contentEnd) {
    const codePoint = body.codePointAt(index) ?? 0;
    if (!isKeyCharacter(codePoint)) break;
    index += codePoint > 0xffff ? 2 : 1;
  }
  const keyEnd = index;
  while (index < contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  if (keyEnd === keyStart || body.charAt(index) !== '=') return undefined;
  return body.slice(keyStart, keyEnd);
}
