/**
 * The `.env` file as Docker Compose reads it (compose-go `dotenv` package), kept line by line so
 * that diagnostics can point at a line and edits can leave every other byte alone.
 *
 * Compose's reader is a stream parser; this one walks the same rules one statement at a time:
 * a statement starts on a line, and only a quoted value may carry it over several lines.
 * Interpolation is not done here (see resolve.ts): `value` is the text Compose interpolates.
 */

import { isInlineSpace, isKeyCharacter, isUnicodeSpace, trimEndUnicodeSpace } from './characters.js';
import { detectCommentedKey } from './commented-key.js';

export interface EnvLine {
  kind: 'blank' | 'comment' | 'entry' | 'invalid';
  /** 1-based first line. */
  line: number;
  /** Last line (multi-line quoted values span several). */
  endLine: number;
  /** Exact source text including its line ending(s): joining every `raw` gives the text back (after the BOM). */
  raw: string;
  key?: string;
  /** Entry: the value as written, quotes included. */
  rawValue?: string;
  /** Entry: the value after unquoting and escapes, before interpolation (single-quoted values are final). */
  value?: string;
  quote?: 'none' | 'single' | 'double';
  exported?: boolean;
  /** Comment shaped like `# KEY=value` or `#KEY=value`: that key. */
  commentedKey?: string;
  /** Entry: a bare `KEY` line, which Compose fills from the shell environment when set there. */
  inherited?: boolean;
  /** Entry: offset of the key inside `raw`. */
  keyOffset?: number;
  /** Entry (not inherited): offset of `rawValue` inside `raw`. */
  valueOffset?: number;
}

export interface EnvSyntaxError {
  line: number;
  message: string;
  key?: string;
  hint?: string;
}

export interface EnvDocument {
  lines: EnvLine[];
  /** Lines Compose refuses (or reads as nothing useful). */
  errors: EnvSyntaxError[];
  /** Lines Compose accepts but reads in a way the author rarely means. */
  warnings: EnvSyntaxError[];
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
}

const LINE_FEED = 0x0a;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BYTE_ORDER_MARK = 0xfeff;

export { isInlineSpace, isKeyCharacter, isUnicodeSpace, trimEndUnicodeSpace } from './characters.js';
export { DISABLED_MARK, detectCommentedKey } from './commented-key.js';

const OCTAL_DIGIT = /^[0-7]$/;

/** compose-go turns `\0ddd` into `\ddd` and lets Go unquote it: exactly three octal digits, at most 0o377. */
function octalEscape(digits: string): string {
  if (digits.length === 3 && [...digits].every((digit) => OCTAL_DIGIT.test(digit))) {
    const code = Number.parseInt(digits, 8);
    if (code <= 0xff) return String.fromCharCode(code);
  }
  return `\\${digits}`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  // Not a Go escape: compose-go rewrites it to `$$`, which interpolation then reads as a literal `$`.
  $: '$$',
};

/** Escapes compose-go expands inside double quotes (before interpolation); any other `\x` stays as written. */
export function expandDoubleQuoteEscapes(text: string): string {
  let index = text.indexOf('\\');
  if (index === -1) return text;
  const pieces: string[] = [];
  let copiedUpTo = 0;
  while (index !== -1 && index < text.length - 1) {
    const next = text.charAt(index + 1);
    let replacement = SIMPLE_ESCAPES[next];
    let consumed = 2;
    if (next === '0') {
      let digits = '';
      while (digits.length < 3 && /[0-9]/.test(text.charAt(index + 2 + digits.length))) {
        digits += text.charAt(index + 2 + digits.length);
      }
      replacement = octalEscape(digits);
      consumed = 2 + digits.length;
    }
    if (replacement === undefined) {
      index = text.indexOf('\\', index + 1);
      continue;
    }
    pieces.push(text.slice(copiedUpTo, index), replacement);
    copiedUpTo = index + consumed;
    index = text.indexOf('\\', copiedUpTo);
  }
  pieces.push(text.slice(copiedUpTo));
  return pieces.join('');
}

interface QuotedScan {
  close: number;
  inner: string;
  newlines: number;
}

/**
 * Finds the closing quote the way compose-go does: a backslash pairs with the next character, and
 * only `\<quote>` loses its backslash. Linear overall: an opening quote is never preceded by a
 * backslash, so once a scan reaches the end unterminated, no later value can open that quote again.
 */
function scanQuotedValue(body: string, open: number, quote: number): QuotedScan | undefined {
  const pieces: string[] = [];
  let pieceStart = open + 1;
  let newlines = 0;
  for (let index = open + 1; index < body.length; index++) {
    const code = body.charCodeAt(index);
    if (code === LINE_FEED) newlines++;
    if (code === BACKSLASH) {
      if (index + 1 >= body.length) break;
      const escaped = body.charCodeAt(index + 1);
      if (escaped === LINE_FEED) newlines++;
      if (escaped === quote) {
        pieces.push(body.slice(pieceStart, index));
        pieceStart = index + 1;
      }
      index++;
      continue;
    }
    if (code === quote) {
      pieces.push(body.slice(pieceStart, index));
      return { close: index, inner: pieces.join(''), newlines };
    }
  }
  return undefined;
}

export interface StatementResult {
  line: EnvLine;
  /** Offset where the next statement starts. */
  next: number;
  error?: EnvSyntaxError;
  warning?: EnvSyntaxError;
}

interface LineSpan {
  start: number;
  /** End of the line's content, before `\n`. */
  contentEnd: number;
  /** Start of the following line. */
  next: number;
  lineNumber: number;
}

function lineSpanAt(body: string, start: number, lineNumber: number): LineSpan {
  const newline = body.indexOf('\n', start);
  return newline === -1
    ? { start, contentEnd: body.length, next: body.length, lineNumber }
    : { start, contentEnd: newline, next: newline + 1, lineNumber };
}

function singleLine(span: LineSpan, body: string, kind: EnvLine['kind']): EnvLine {
  return { kind, line: span.lineNumber, endLine: span.lineNumber, raw: body.slice(span.start, span.next) };
}

function invalid(span: LineSpan, body: string, message: string, hint: string, key?: string): StatementResult {
  const error: EnvSyntaxError = { line: span.lineNumber, message, hint };
  if (key !== undefined) error.key = key;
  return { line: singleLine(span, body, 'invalid'), next: span.next, error };
}

const NAME_HINT = 'Write KEY=value (names use letters, digits, _ . -); a comment line starts with #.';

/** `export` followed by blanks: returns where the key starts, `-1` for a bare `export`, `undefined` when absent. */
function skipExport(body: string, start: number, span: LineSpan): number | undefined {
  if (!body.startsWith('export', start)) return undefined;
  let index = start + 6;
  const following = body.charCodeAt(index);
  // Go's `\s` after `export`: tab, newline, form feed, carriage return, space.
  const separated = following === 0x20 || following === 0x09 || following === 0x0c || following === 0x0d;
  if (index >= span.contentEnd) return span.next > span.contentEnd ? -1 : undefined;
  if (!separated) return undefined;
  while (index < span.contentEnd && isInlineSpace(body.charCodeAt(index))) index++;
  return index >= span.contentEnd ? -1 : index;
}

/** Parses the statement that starts on the line at `start` (blank, comment, entry or invalid). */
export function parseStatementAt(body: string, start: number, lineNumber: number): StatementResult {
  const span = lineSpanAt(body, start, lineNumber);
  let first = start;
  while (first < span.contentEnd && isUnicodeSpace(body.charCodeAt(first))) first++;
  if (first >= span.contentEnd) return { line: singleLine(span, body, 'blank'), next: span.next };
  if (body.charCodeAt(first) === HASH) {
    const line: EnvLine = {
      kind: 'comment',
      line: span.lineNumber,
      endLine: span.lineNumber,
      raw: body.slice(span.start, span.next),
      commentedKey: detectCommentedKey(body, first, span.contentEnd),
    };
    return { line, next: span.next };
  }
  const afterExport = skipExport(body, first, span);
  if (afterExport === -1) {
    return invalid(span, body, '`export` without a variable name (Compose ignores this line)', NAME_HINT);
  }
  const keyStart = afterExport ?? first;
  return parseAssignment(body, span, keyStart, afterExport !== undefined);
}

function parseAssignment(body: string, span: LineSpan, keyStart: number, exported: boolean): StatementResult {
  let separator = -1;
  for (let index = keyStart; index < span.contentEnd; ) {
    const codePoint = body.codePointAt(index) ?? 0;
    if (codePoint === 0x3d || codePoint === 0x3a) {
      separator = index;
      break;
    }
    if (!isInlineSpace(codePoint) && !isKeyCharacter(codePoint)) {
      const shown = JSON.stringify(String.fromCodePoint(codePoint));
      return invalid(span, body, `unexpected character ${shown} in a variable name (column ${index - span.start + 1})`, NAME_HINT);
    }
    index += codePoint > 0xffff ? 2 : 1;
  }
  const key = trimEndUnicodeSpace(body.slice(keyStart, separator === -1 ? span.contentEnd : separator));
  if (key.includes(' ')) {
    return invalid(span, body, 'a variable name cannot contain a space', NAME_HINT);
  }
  const head: EntryHead = { key, exported, keyOffset: keyStart - span.start };
  if (separator === -1) {
    // A bare name: Compose copies the shell's value when there is one, else leaves the name unset.
    const raw = body.slice(span.start, span.next);
    return { line: entryLine(head, span.lineNumber, span.lineNumber, raw, undefined), next: span.next };
  }
  if (key === '') {
    return invalid(span, body, 'missing variable name before the `=` (Compose stores it under an empty name)', NAME_HINT);
  }
  let valueStart = separator + 1;
  while (valueStart < span.contentEnd && isInlineSpace(body.charCodeAt(valueStart))) valueStart++;
  const quote = body.charCodeAt(valueStart);
  if (valueStart < span.contentEnd && (quote === SINGLE_QUOTE || quote === DOUBLE_QUOTE)) {
    return parseQuotedValue(body, span, head, valueStart);
  }
  const written = body.slice(valueStart, span.contentEnd);
  const commentStart = written.indexOf(' #');
  const rawValue = trimEndUnicodeSpace(commentStart === -1 ? written : written.slice(0, commentStart));
  const value: EntryValue = { rawValue, value: rawValue, quote: 'none', valueOffset: valueStart - span.start };
  return { line: entryLine(head, span.lineNumber, span.lineNumber, body.slice(span.start, span.next), value), next: span.next };
}

interface EntryHead {
  key: string;
  exported: boolean;
  keyOffset: number;
}

interface EntryValue {
  rawValue: string;
  value: string;
  quote: 'none' | 'single' | 'double';
  valueOffset: number;
}

/** One object shape for every entry: a file of millions of short lines stays compact in memory. */
function entryLine(head: EntryHead, line: number, endLine: number, raw: string, value: EntryValue | undefined): EnvLine {
  return {
    kind: 'entry',
    line,
    endLine,
    raw,
    key: head.key,
    rawValue: value?.rawValue,
    value: value?.value,
    quote: value?.quote,
    exported: head.exported,
    inherited: value === undefined,
    keyOffset: head.keyOffset,
    valueOffset: value?.valueOffset,
  };
}

function parseQuotedValue(body: string, span: LineSpan, head: EntryHead, open: number): StatementResult {
  const quote = body.charCodeAt(open);
  const style = quote === DOUBLE_QUOTE ? 'double' : 'single';
  const scan = scanQuotedValue(body, open, quote);
  if (scan === undefined) {
    const mark = quote === DOUBLE_QUOTE ? '"' : "'";
    return invalid(
      span,
      body,
      `unterminated ${style}-quoted value for ${head.key}: the ${mark} opened on this line is never closed`,
      `Close the value with ${mark}, or escape a ${mark} that belongs to the value as \\${mark}.`,
      head.key,
    );
  }
  const closing = lineSpanAt(body, body.lastIndexOf('\n', scan.close) + 1, span.lineNumber + scan.newlines);
  const value: EntryValue = {
    rawValue: body.slice(open, scan.close + 1),
    value: style === 'double' ? expandDoubleQuoteEscapes(scan.inner) : scan.inner,
    quote: style,
    valueOffset: open - span.start,
  };
  const line = entryLine(head, span.lineNumber, closing.lineNumber, body.slice(span.start, closing.next), value);
  const result: StatementResult = { line, next: closing.next };
  let after = scan.close + 1;
  while (after < closing.contentEnd && isUnicodeSpace(body.charCodeAt(after))) after++;
  if (after < closing.contentEnd && body.charCodeAt(after) !== HASH) {
    result.warning = {
      line: closing.lineNumber,
      key: head.key,
      message: `text after the closing quote of ${head.key} (Compose reads it as another variable, not as part of the value)`,
      hint: 'Put the whole value inside the quotes, or start a comment with " #".',
    };
  }
  return result;
}

/** Reads `text` as Compose does, keeping every line with its exact source. */
export function parseEnvDocument(text: string): EnvDocument {
  const bom = text.charCodeAt(0) === BYTE_ORDER_MARK;
  const body = bom ? text.slice(1) : text;
  const firstNewline = body.indexOf('\n');
  const document: EnvDocument = {
    lines: [],
    errors: [],
    warnings: [],
    eol: firstNewline > 0 && body.charCodeAt(firstNewline - 1) === 0x0d ? '\r\n' : '\n',
    bom,
    finalNewline: body.endsWith('\n'),
  };
  let offset = 0;
  let lineNumber = 1;
  while (offset < body.length) {
    const result = parseStatementAt(body, offset, lineNumber);
    document.lines.push(result.line);
    if (result.error) document.errors.push(result.error);
    if (result.warning) document.warnings.push(result.warning);
    offset = result.next;
    lineNumber = result.line.endLine + 1;
  }
  return document;
}
