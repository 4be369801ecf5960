/** The characters of a `.env` file as compose-go tells them apart: blanks, and what a variable name may hold. */

/** Blanks that never end a line: compose-go trims these around keys and before values. */
export function isInlineSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || code === 0x0d || code === 0x85 || code === 0xa0;
}

/** Go's `unicode.IsSpace`: what separates statements and what is trimmed after an unquoted value. */
export function isUnicodeSpace(code: number): boolean {
  if (code <= 0xff) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0;
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

/** compose-go accepts letters, digits (any script), `_ . - [ ]` in a variable name. */
export function isKeyCharacter(codePoint: number): boolean {
  if (codePoint < 0x80) {
    return (
      (codePoint >= 0x30 && codePoint <= 0x39) ||
      (codePoint >= 0x41 && codePoint <= 0x5a) ||
      (codePoint >= 0x61 && codePoint <= 0x7a) ||
      codePoint === 0x5f || // _
      codePoint === 0x2e || // .
      codePoint === 0x2d || // -
      codePoint === 0x5b || // [
      codePoint === 0x5d // ]
    );
  }
  return LETTER_OR_NUMBER.test(String.fromCodePoint(codePoint));
}

export function trimEndUnicodeSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isUnicodeSpace(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}
