/**
 * Text-to-text edits of a `.env` file that change only the lines they mean to change: every other
 * byte (BOM, CRLF, comments, order, quoting, `export`, a missing final newline) stays as it was.
 */
import { DISABLED_MARK, isKeyCharacter, isUnicodeSpace, parseEnvDocument, parseStatementAt, type EnvLine } from './parse.js';

const BYTE_ORDER_MARK = '\uFEFF';

function splitByteOrderMark(text: string): { mark: string; body: string } {
  return text.startsWith(BYTE_ORDER_MARK) ? { mark: BYTE_ORDER_MARK, body: text.slice(1) } : { mark: '', body: text };
}

function assertKey(key: string): void {
  const valid = key !== '' && [...key].every((character) => isKeyCharacter(character.codePointAt(0) ?? 0));
  if (!valid) throw new Error(`Not a .env variable name: ${JSON.stringify(key)}`);
}

/** A bare value Compose would read differently: trimmed blanks, a leading quote, `$`, ` #`, a line break. */
function needsQuoting(value: string): boolean {
  if (value === '') return false;
  const first = value.charCodeAt(0);
  return (
    isUnicodeSpace(first) ||
    isUnicodeSpace(value.charCodeAt(value.length - 1)) ||
    first === 0x22 ||
    first === 0x27 ||
    /[\n\r$]/.test(value) ||
    // Compose only cuts at " #"; other readers of the same file (python-dotenv) also cut at tab-#.
    /\s#/.test(value)
  );
}

/** Compose keeps single-quoted text literally except `\'`; without `'`, `\` or line breaks every reader agrees. */
function canSingleQuote(value: string): boolean {
  return !/['\\\n\r]/.test(value);
}

function doubleQuote(value: string): string {
  const escaped = value.replace(/[\\"$\n\r]/g, (character) => {
    if (character === '\n') return '\\n';
    if (character === '\r') return '\\r';
    return `\\${character}`;
  });
  return `"${escaped}"`;
}

/** The text to write after `KEY=` so that Compose reads back exactly `value`; bare when that is safe. */
export function formatEnvValue(value: string): string {
  if (!needsQuoting(value)) return value;
  return canSingleQuote(value) ? `'${value}'` : doubleQuote(value);
}

function valueInStyle(line: EnvLine, value: string): string {
  if (line.quote === 'double') return doubleQuote(value);
  if (line.quote === 'single') return canSingleQuote(value) ? `'${value}'` : doubleQuote(value);
  const formatted = formatEnvValue(value);
  const rest = line.raw.slice((line.valueOffset ?? 0) + (line.rawValue ?? '').length);
  // `KEY= # note` would read as "# note": an empty value before a comment must be quoted.
  return formatted === '' && rest.trim() !== '' ? '""' : formatted;
}

function withValue(line: EnvLine, value: string): string {
  if (line.inherited) {
    const keyEnd = (line.keyOffset ?? 0) + (line.key ?? '').length;
    return `${line.raw.slice(0, keyEnd)}=${formatEnvValue(value)}${line.raw.slice(keyEnd)}`;
  }
  const valueStart = line.valueOffset ?? 0;
  const valueEnd = valueStart + (line.rawValue ?? '').length;
  return line.raw.slice(0, valueStart) + valueInStyle(line, value) + line.raw.slice(valueEnd);
}

/** Replaces the value of the definition Compose uses (the last uncommented one), else appends `KEY=value`. */
export function setEnvValue(text: string, key: string, value: string): string {
  assertKey(key);
  const { mark, body } = splitByteOrderMark(text);
  const lines = parseEnvDocument(body).lines;
  const target = lines.findLast((line) => line.kind === 'entry' && line.key === key);
  if (target === undefined) return appendEnvLines(text, [`${key}=${formatEnvValue(value)}`]);
  return mark + lines.map((line) => (line === target ? withValue(line, value) : line.raw)).join('');
}

function detectEol(body: string): '\n' | '\r\n' {
  const newline = body.indexOf('\n');
  return newline > 0 && body.charCodeAt(newline - 1) === 0x0d ? '\r\n' : '\n';
}

/** Appends lines with the file's own line ending, first ending an unterminated last line. */
export function appendEnvLines(text: string, lines: string[]): string {
  if (lines.length === 0) return text;
  const { body } = splitByteOrderMark(text);
  const eol = detectEol(body);
  const separator = body.length > 0 && !body.endsWith('\n') ? eol : '';
  return text + separator + lines.join(eol) + eol;
}

function physicalLines(raw: string): string[] {
  return raw.split(/(?<=\n)/).filter((piece) => piece !== '');
}

/**
 * `KEY=v` becomes `#[disabled by datalayer] KEY=v` (DISABLED_MARK); every line of a multi-line
 * value gets the same prefix, and nothing else of the line changes, so that restoreDisabledLines
 * gives back the exact bytes.
 */
export function commentOutKeys(text: string, keys: readonly string[]): string {
  const wanted = new Set(keys);
  if (wanted.size === 0) return text;
  const { mark, body } = splitByteOrderMark(text);
  const lines = parseEnvDocument(body).lines;
  const edited = lines.map((line) => {
    if (line.kind !== 'entry' || line.key === undefined || !wanted.has(line.key)) return line.raw;
    return physicalLines(line.raw)
      .map((piece) => DISABLED_MARK + piece)
      .join('');
  });
  return mark + edited.join('');
}

/**
 * Inverse of `commentOutKeys`: removes DISABLED_MARK from every comment line that starts with it,
 * and only from those (the user's own `# KEY=value` comments stay). Returns the new text and the
 * keys of the definitions that came back.
 */
export function restoreDisabledLines(text: string): { text: string; keys: string[] } {
  const { mark, body } = splitByteOrderMark(text);
  const lines = parseEnvDocument(body).lines;
  const restoredLines = new Set<number>();
  const output = lines.map((line) => {
    if (line.kind !== 'comment' || !line.raw.startsWith(DISABLED_MARK)) return line.raw;
    restoredLines.add(line.line);
    return line.raw.slice(DISABLED_MARK.length);
  });
  if (restoredLines.size === 0) return { text, keys: [] };
  const restored = output.join('');
  const keys = parseEnvDocument(restored)
    .lines.filter((line) => line.kind === 'entry' && line.key !== undefined && restoredLines.has(line.line))
    .map((line) => line.key as string);
  return { text: mark + restored, keys: [...new Set(keys)] };
}

/** Removes the `#` and one blank after it, keeping any indentation before the `#`. */
function stripCommentMarker(raw: string): string {
  let hash = 0;
  while (hash < raw.length && raw.charCodeAt(hash) !== 0x23) hash++;
  const after = raw.charCodeAt(hash + 1) === 0x20 ? hash + 2 : hash + 1;
  return raw.slice(0, hash) + raw.slice(after);
}

/** The name a stripped comment line would define, read cheaply before trying a full parse. */
function leadingKey(stripped: string): string {
  let index = 0;
  while (index < stripped.length && isUnicodeSpace(stripped.charCodeAt(index))) index++;
  if (stripped.startsWith('export', index) && isUnicodeSpace(stripped.charCodeAt(index + 6))) {
    index += 6;
    while (index < stripped.length && isUnicodeSpace(stripped.charCodeAt(index)) && stripped.charCodeAt(index) !== 0x0a) index++;
  }
  const start = index;
  while (index < stripped.length) {
    const codePoint = stripped.codePointAt(index) ?? 0;
    if (!isKeyCharacter(codePoint)) break;
    index += codePoint > 0xffff ? 2 : 1;
  }
  return stripped.slice(start, index);
}

/** Uncomments, within one run of consecutive comment lines, the definitions of wanted keys. */
function uncommentRun(run: EnvLine[], wanted: ReadonlySet<string>): string[] {
  const stripped = run.map((line) => stripCommentMarker(line.raw));
  if (!stripped.some((line) => wanted.has(leadingKey(line)))) return run.map((line) => line.raw);
  const offsets: number[] = [];
  let total = 0;
  for (const line of stripped) {
    offsets.push(total);
    total += line.length;
  }
  const body = stripped.join('');
  const output: string[] = [];
  for (let index = 0; index < run.length; ) {
    const candidate = stripped[index] ?? '';
    if (wanted.has(leadingKey(candidate))) {
      const statement = parseStatementAt(body, offsets[index] ?? 0, 1);
      const { kind, key, endLine } = statement.line;
      if (kind === 'entry' && key !== undefined && wanted.has(key) && statement.error === undefined) {
        for (const line of stripped.slice(index, index + endLine)) output.push(line);
        index += endLine;
        continue;
      }
    }
    output.push(run[index]?.raw ?? '');
    index++;
  }
  return output;
}

/**
 * For a file commented by hand (or by a datalayer older than DISABLED_MARK): `# KEY=v` (or
 * `#KEY=v`) becomes `KEY=v`, multi-line values included, for every commented definition of a
 * wanted key.
 */
export function uncommentKeys(text: string, keys: readonly string[]): string {
  const wanted = new Set(keys);
  if (wanted.size === 0) return text;
  const { mark, body } = splitByteOrderMark(text);
  const lines = parseEnvDocument(body).lines;
  const output: string[] = [];
  for (let index = 0; index < lines.length; ) {
    if (lines[index]?.kind !== 'comment') {
      output.push(lines[index]?.raw ?? '');
      index++;
      continue;
    }
    let runEnd = index;
    while (runEnd < lines.length && lines[runEnd]?.kind === 'comment') runEnd++;
    for (const line of uncommentRun(lines.slice(index, runEnd), wanted)) output.push(line);
    index = runEnd;
  }
  return mark + output.join('');
}
