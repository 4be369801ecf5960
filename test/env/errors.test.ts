import { describe, expect, it } from 'vitest';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';

interface ErrorCase {
  text: string;
  /** Line and key of each error, in order; the message is checked for a fragment. */
  errors: Array<{ line: number; key?: string; fragment: string }>;
  source: string;
}

// compose-go fails the whole file on each of these; we name the line (for an unterminated quote,
// the line where it opened: compose-go reports the line where it gave up).
const syntaxCases: ErrorCase[] = [
  {
    text: '# some comments\nfoo="\n  a\n  multine\n  value\n"\nINVALID LINE\nzot=qix',
    errors: [{ line: 7, fragment: 'cannot contain a space' }],
    source: 'invalid1.env / TestErrorParsing: "line 7: key cannot contain a space"',
  },
  { text: 'lol$wut', errors: [{ line: 1, fragment: 'unexpected character "$"' }], source: 'TestParsing: badly formatted line' },
  { text: 'A=1\n%!(EXTRA string)=foo', errors: [{ line: 2, fragment: 'unexpected character "%"' }], source: 'parser_test TestParseVariable' },
  { text: 'KEY="', errors: [{ line: 1, key: 'KEY', fragment: 'unterminated double-quoted' }], source: 'TestUnterminatedQuotes' },
  { text: 'KEY="value', errors: [{ line: 1, key: 'KEY', fragment: 'unterminated' }], source: 'TestUnterminatedQuotes' },
  { text: 'KEY="value\\"', errors: [{ line: 1, key: 'KEY', fragment: 'unterminated' }], source: 'TestUnterminatedQuotes: escaped closing quote' },
  { text: "KEY=\"value'", errors: [{ line: 1, key: 'KEY', fragment: 'unterminated' }], source: 'TestUnterminatedQuotes: other quote does not close' },
  { text: "KEY='", errors: [{ line: 1, key: 'KEY', fragment: 'unterminated single-quoted' }], source: 'TestUnterminatedQuotes' },
  { text: "KEY='value\\'", errors: [{ line: 1, key: 'KEY', fragment: 'unterminated' }], source: 'TestUnterminatedQuotes' },
  { text: 'KEY=\'value"', errors: [{ line: 1, key: 'KEY', fragment: 'unterminated' }], source: 'TestUnterminatedQuotes' },
  {
    text: 'A=1\n\nB="abc\nC=2\n',
    errors: [{ line: 3, key: 'B', fragment: 'opened on this line' }],
    source: 'parser.go: unterminated quote, reported where it opened',
  },
  {
    text: 'A=1\r\n# note\r\nSECRET_KEY=\'abc\r\nD=4\r\nE F=5\r\n',
    errors: [
      { line: 3, key: 'SECRET_KEY', fragment: 'unterminated' },
      { line: 5, fragment: 'cannot contain a space' },
    ],
    source: 'CRLF file: every broken line is reported, not only the first',
  },
  { text: '"QUOTED"=1', errors: [{ line: 1, fragment: 'unexpected character "\\""' }], source: 'parser.go locateKeyName: quotes are not name characters' },
  { text: 'A=1\n=value', errors: [{ line: 2, fragment: 'missing variable name' }], source: 'parser.go: compose-go stores it under an empty name; we report it' },
  { text: 'export\nA=1', errors: [{ line: 1, fragment: '`export` without a variable name' }], source: 'parser.go: a bare export names nothing' },
  { text: 'the password is hunter2', errors: [{ line: 1, fragment: 'cannot contain a space' }], source: 'parser.go: prose without # is a broken name' },
];

describe('syntax errors with their line', () => {
  it.each(syntaxCases)('$source', ({ text, errors }) => {
    const document = parseEnvDocument(text);
    expect(document.errors.map(({ line, key }) => (key === undefined ? { line } : { line, key }))).toEqual(
      errors.map(({ line, key }) => (key === undefined ? { line } : { line, key })),
    );
    document.errors.forEach((error, index) => {
      expect(error.message).toContain(errors[index]?.fragment);
      expect(error.hint).toBeTruthy();
    });
    for (const error of document.errors) {
      expect(document.lines.find((line) => line.line === error.line)?.kind).toBe('invalid');
    }
    expect(document.lines.map((line) => line.raw).join('')).toBe(text);
  });

  it('keeps reading after a broken line (invalid1.env: zot is still there)', () => {
    const resolved = resolveEnvDocument(parseEnvDocument(syntaxCases[0]?.text ?? ''), {});
    expect(resolved.values).toEqual({ foo: '\n  a\n  multine\n  value\n', zot: 'qix' });
  });

  it('never puts the rest of a broken line in the message (it may be a secret)', () => {
    const document = parseEnvDocument('my secret: hunter2 with spaces!\nsk-live$abcdef\nhunter2 hunter3\n');
    const messages = document.errors.map((error) => error.message).join('\n');
    expect(document.errors).toHaveLength(3);
    expect(messages).not.toMatch(/hunter|abcdef|live/);
  });
});

describe('interpolation errors with their line', () => {
  it.each([
    { text: 'A=1\nB=${X:?must be set}\n', shell: {}, line: 2, key: 'B', kind: 'required', fragment: 'must be set', source: 'TestMandatoryVariableErrors' },
    { text: 'B=${X:?must be set}', shell: { X: '' }, line: 1, key: 'B', kind: 'required', fragment: 'X', source: ':? fails on an empty value too' },
    { text: '\n\nB="${X?gone}"', shell: {}, line: 3, key: 'B', kind: 'required', fragment: 'gone', source: '? fails when unset, in double quotes too' },
    { text: 'A=ok\nB=pre-${oops', shell: {}, line: 2, key: 'B', kind: 'syntax', fragment: 'invalid variable reference', source: 'TestInvalid: "${" without a name' },
    { text: 'B=${FORWARD:?defined below}\nFORWARD=1', shell: {}, line: 1, key: 'B', kind: 'required', fragment: 'defined below', source: 'godotenv.go: a forward reference is unset' },
  ])('$source', ({ text, shell, line, key, kind, fragment }) => {
    const resolved = resolveEnvDocument(parseEnvDocument(text), shell);
    expect(resolved.issues).toHaveLength(1);
    expect(resolved.issues[0]).toMatchObject({ line, key, kind });
    expect(resolved.issues[0]?.message).toContain(fragment);
  });

  it.each([
    { text: 'B=${X?msg}', shell: { X: '' }, expected: '' },
    { text: "B='${X:?msg}'", shell: {}, expected: '${X:?msg}' },
    { text: 'B="\\${X:?msg}"', shell: {}, expected: '${X:?msg}' },
  ])('no error for $text', ({ text, shell, expected }) => {
    const resolved = resolveEnvDocument(parseEnvDocument(text), shell);
    expect(resolved.issues).toEqual([]);
    expect(resolved.values['B']).toBe(expected);
  });
});

describe('warnings: lines Compose accepts but reads surprisingly', () => {
  it('flags text after a closing quote, with its line', () => {
    const document = parseEnvDocument('A=1\nPASSWORD="abc"def\nB="x" # fine\nC=\'y\'  \n');
    expect(document.errors).toEqual([]);
    expect(document.warnings.map((warning) => [warning.line, warning.key])).toEqual([[2, 'PASSWORD']]);
    expect(document.warnings[0]?.message).not.toContain('def');
    expect(resolveEnvDocument(document, {}).values['PASSWORD']).toBe('abc');
  });
});
