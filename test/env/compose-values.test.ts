import { describe, expect, it } from 'vitest';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';
import { SEED_ENV, SEED_KEYS } from './fixtures.js';

/** What Compose ends up with for `text`, given a shell environment. */
function composeValues(text: string, shell: Record<string, string> = {}): Record<string, string> {
  const document = parseEnvDocument(text);
  expect(document.errors).toEqual([]);
  return { ...resolveEnvDocument(document, shell).values };
}

interface ComposeCase {
  text: string;
  expected: Record<string, string>;
  shell?: Record<string, string>;
  /** Where the expected value comes from (compose-go source: test name, fixture or parser rule). */
  source: string;
}

// Expected values are those compose-go gives; "parser.go" / "template.go" name the rule that decides,
// the godotenv_test / template_test names are the upstream tests asserting the same value.
const cases: ComposeCase[] = [
  { text: 'FOO=bar', expected: { FOO: 'bar' }, source: 'godotenv_test TestParsing: unquoted' },
  { text: 'FOO =bar', expected: { FOO: 'bar' }, source: 'TestParsing: spaces around =' },
  { text: 'FOO= bar', expected: { FOO: 'bar' }, source: 'TestParsing: spaces around =' },
  { text: 'FOO="bar"', expected: { FOO: 'bar' }, source: 'TestParsing: double quoted' },
  { text: "FOO='bar'", expected: { FOO: 'bar' }, source: 'TestParsing: single quoted' },
  { text: 'FOO="escaped\\"bar"', expected: { FOO: 'escaped"bar' }, source: 'TestParsing: escaped double quote' },
  { text: 'FOO="\'d\'"', expected: { FOO: "'d'" }, source: 'TestParsing: single quotes inside double quotes' },
  { text: 'OPTION_A: 1', expected: { OPTION_A: '1' }, source: 'TestParsing: yaml style' },
  { text: 'OPTION_A: Foo=bar', expected: { OPTION_A: 'Foo=bar' }, source: 'TestParsing: yaml value with =' },
  { text: 'OPTION_A=1:B', expected: { OPTION_A: '1:B' }, source: 'TestParsing: colon inside value' },
  { text: 'export OPTION_A=2', expected: { OPTION_A: '2' }, source: 'TestParsing: export keyword' },
  { text: "export OPTION_B='\\n'", expected: { OPTION_B: '\\n' }, source: 'TestParsing / exported.env: single quotes keep \\n' },
  { text: 'export exportFoo=2', expected: { exportFoo: '2' }, source: 'TestParsing: export then a name starting with export' },
  { text: 'exportFOO=2', expected: { exportFOO: '2' }, source: 'TestParsing: no blank after export = part of the name' },
  { text: 'export\tOPTION_A=2', expected: { OPTION_A: '2' }, source: 'TestParsing: tab after export' },
  { text: '  export OPTION_A=2', expected: { OPTION_A: '2' }, source: 'TestParsing: indented export' },
  { text: 'export OPTION_A="export A"', expected: { OPTION_A: 'export A' }, source: 'TestParsing: export inside the value' },
  { text: 'FOO="bar\\nbaz"', expected: { FOO: 'bar\nbaz' }, source: 'TestParsing: \\n expanded in double quotes' },
  { text: 'FOO=a\\tb', expected: { FOO: 'a\\tb' }, source: 'TestParsing: no escapes when unquoted' },
  { text: 'FOO="a\\tb"', expected: { FOO: 'a\tb' }, source: 'TestParsing: \\t expanded in double quotes' },
  {
    text: 'KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"',
    expected: { KEY: 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ' },
    source: 'TestParsing: shell escape sequences, \\0123 octal',
  },
  { text: 'KEY="\\x07"', expected: { KEY: '\\x07' }, source: 'TestParsing: non-XSI escapes are kept' },
  { text: 'KEY="\\u12e4"', expected: { KEY: '\\u12e4' }, source: 'TestParsing: \\u is not an escape' },
  { text: 'KEY="a\\0b"', expected: { KEY: 'a\\b' }, source: 'parser.go expandEscapes: \\0 alone becomes \\ (Go cannot unquote it)' },
  { text: 'FOO="bar\\\\\\n\\ b\\az"', expected: { FOO: 'bar\\\n\\ b\x07z' }, source: 'TestParsing: backslashes and newlines' },
  { text: 'FOO="bar\\nbaz\\\\"', expected: { FOO: 'bar\nbaz\\' }, source: 'TestParsing: trailing escaped backslash' },
  { text: 'FOO.BAR=foobar', expected: { 'FOO.BAR': 'foobar' }, source: 'TestParsing: dot in the name' },
  { text: 'VAR-WITH-DASHES=dashes', expected: { 'VAR-WITH-DASHES': 'dashes' }, source: 'special.env / TestDash' },
  { text: 'a[1]=c', expected: { 'a[1]': 'c' }, source: 'parser_test TestParseBytes: brackets in names' },
  {
    text: 'árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép',
    expected: { 'árvíztűrő-TÜKÖRFÚRÓGÉP': 'ÁRVÍZTŰRŐ-tükörfúrógép' },
    source: 'parser_test TestParseBytes: unicode letters in names',
  },
  { text: 'FOO=foobar=', expected: { FOO: 'foobar=' }, source: 'TestParsing: = inside the value' },
  { text: 'FOO=bar ', expected: { FOO: 'bar' }, source: 'TestParsing: unquoted values are right-trimmed' },
  { text: 'FOO=bar # this is foo', expected: { FOO: 'bar' }, source: 'TestParsing: inline comment' },
  { text: 'FOO=bar #', expected: { FOO: 'bar' }, source: 'TestParsing: empty inline comment' },
  { text: 'FOO=123#not-an-inline-comment', expected: { FOO: '123#not-an-inline-comment' }, source: 'TestParsing: # without a blank before it' },
  { text: 'FOO=a\t#b', expected: { FOO: 'a\t#b' }, source: 'parser.go: the cut is literally " #", a tab before # does not start a comment' },
  { text: 'FOO= # not a comment', expected: { FOO: '# not a comment' }, source: 'parser.go: blanks after = are trimmed before the " #" cut' },
  { text: 'FOO="bar#baz" # comment', expected: { FOO: 'bar#baz' }, source: 'TestParsing: # in quotes, comment after' },
  { text: "FOO='bar#baz' # comment", expected: { FOO: 'bar#baz' }, source: 'TestParsing: # in single quotes' },
  { text: 'FOO="bar#baz"#', expected: { FOO: 'bar#baz' }, source: 'TestParsing: comment right after the quote' },
  { text: "OPTION_K='Let\\'s go!'", expected: { OPTION_K: "Let's go!" }, source: "quoted.env: \\' inside single quotes" },
  { text: 'OPTION_I = "echo \'asd\'" # Inline comment', expected: { OPTION_I: "echo 'asd'" }, source: 'quoted.env' },
  {
    text: "OPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_Z = \"last value\"",
    expected: { OPTION_J: 'first line\nsecond line\nthird line\nand so on', OPTION_Z: 'last value' },
    source: 'quoted.env: multi-line single-quoted value',
  },
  {
    text: 'TEST_URLS="stratum+tcp://a:3333\nstratum+tcp://b:443"',
    expected: { TEST_URLS: 'stratum+tcp://a:3333\nstratum+tcp://b:443' },
    source: 'TestVariableStringValueSeparator: multi-line double-quoted value',
  },
  { text: 'OPTION_F = \nOPTION_G=', expected: { OPTION_F: '', OPTION_G: '' }, source: 'plain.env: empty values' },
  { text: '456 = ABC', expected: { '456': 'ABC' }, source: 'plain.env: GetEnvFromFile (what Compose calls) keeps names starting with a digit' },
  {
    text: 'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}',
    expected: { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' },
    source: 'substitutions.env / TestSubstitutions',
  },
  {
    text: 'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}',
    shell: { OPTION_A: '5' },
    expected: { OPTION_A: '5', OPTION_B: '5', OPTION_C: '5', OPTION_D: '5_5' },
    source: 'TestSubstitutionsWithEnvFilePrecedence: the shell is looked up first (and wins in the end)',
  },
  {
    text: 'OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}',
    expected: { OPTION_A: '1', OPTION_B: '1' },
    source: 'substitutions-default.env: self reference with default',
  },
  {
    text: 'FOO=test\nBAR="foo\\${FOO} ${FOO}"',
    expected: { FOO: 'test', BAR: 'foo${FOO} test' },
    source: 'TestExpanding: \\$ escapes interpolation in double quotes',
  },
  { text: "BAR='quote $FOO'", expected: { BAR: 'quote $FOO' }, source: 'TestExpanding: no interpolation in single quotes' },
  { text: 'BAR=$FOO', expected: { BAR: '' }, source: 'TestExpanding: undefined variables expand to empty' },
  { text: 'A=$$HOME', shell: { HOME: '/root' }, expected: { A: '$HOME' }, source: 'template.go: $$ is a literal $' },
  { text: 'A=$B\nB=1', expected: { A: '', B: '1' }, source: 'godotenv.go expandVariables: only keys defined above are visible' },
  {
    text: 'A=1\nB=$A\nA=2\nC=$A',
    expected: { A: '2', B: '1', C: '2' },
    source: 'parser.go: later definitions overwrite, interpolation sees the value at that point',
  },
  { text: 'A=${UNSET:-${ALSO_UNSET:-deep}}', expected: { A: 'deep' }, source: 'template_test TestDefaultsWithNestedExpansion' },
  { text: 'A=`back`', expected: { A: '`back`' }, source: 'parser.go hasQuotePrefix: backticks are not quotes' },
  { text: 'A=1\r\nB="x" # c\r\nC=\r\n', expected: { A: '1', B: 'x', C: '' }, source: 'TestLinesToIgnore: CRLF line ends are trimmed' },
  { text: 'A="l1\r\nl2"\r\n', expected: { A: 'l1\r\nl2' }, source: 'parser.go: a quoted value keeps its CR bytes' },
  { text: '\uFEFFOPTION_A=1\nOPTION_B=2', expected: { OPTION_A: '1', OPTION_B: '2' }, source: 'utf8-bom.env / TestUTF8BOM' },
  { text: '# Comment\n\t # comment\n\t\t \n\r\nA=1', expected: { A: '1' }, source: 'TestLinesToIgnore: comments and blank lines' },
  { text: 'FOO\nBAR=x', shell: { FOO: 'from-shell' }, expected: { FOO: 'from-shell', BAR: 'x' }, source: 'inherited-*.env: a bare name takes the shell value' },
  { text: 'VARIABLE_NOT_FOUND\nBAR=x', expected: { BAR: 'x' }, source: 'TestInheritedEnvVariableNotFound: a bare unset name defines nothing' },
  { text: 'A="${B:-x y}"', expected: { A: 'x y' }, source: 'parser.go: double-quoted values are interpolated' },
];

describe('values as Compose reads them', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$source: $text', ({ text, shell, expected }) => {
    expect(composeValues(text, shell)).toEqual(expected);
  });
});

describe('the seed .env', () => {
  const seedValues = {
    CHAINLIT_AUTH_SECRET: '...',
    CHAINLIT_USERNAME: 'OpenRAG',
    CHAINLIT_PASSWORD: 'OpenRAG2025',
    CHAINLIT_DATALAYER_COMPOSE: 'extern/chainlit-datalayer/compose.yaml',
    POSTGRES_USER: 'root',
    POSTGRES_PASSWORD: 'root',
    POSTGRES_DB: 'postgres',
    POSTGRES_PORT: '5432',
    DATABASE_URL: 'postgresql://root:root@postgres:5432/postgres',
    BUCKET_NAME: 'my-bucket',
    APP_AWS_ACCESS_KEY: 'random-key',
    APP_AWS_SECRET_KEY: 'random-key',
    APP_AWS_REGION: 'eu-central-1',
    LOCALSTACK_PORT: '4566',
    DEV_AWS_ENDPOINT: 'http://localstack:4566',
  };

  it('resolves every value exactly', () => {
    expect(composeValues(SEED_ENV)).toEqual(seedValues);
    expect(Object.keys(composeValues(SEED_ENV))).toEqual([...SEED_KEYS]);
  });

  it('lets the shell win and feeds later interpolations', () => {
    const values = composeValues(SEED_ENV, { POSTGRES_PORT: '6543', LOCALSTACK_PORT: '4999', UNRELATED: 'x' });
    expect(values).toEqual({
      ...seedValues,
      POSTGRES_PORT: '6543',
      LOCALSTACK_PORT: '4999',
      DATABASE_URL: 'postgresql://root:root@postgres:6543/postgres',
      DEV_AWS_ENDPOINT: 'http://localstack:4999',
    });
  });

  it('gives each key its line and classifies every line', () => {
    const document = parseEnvDocument(SEED_ENV);
    const resolved = resolveEnvDocument(document, { POSTGRES_PORT: '6543' });
    expect(resolved.entries.get('CHAINLIT_AUTH_SECRET')).toEqual({ key: 'CHAINLIT_AUTH_SECRET', value: '...', line: 2, fromShell: false });
    expect(resolved.entries.get('DATABASE_URL')?.line).toBe(16);
    expect(resolved.entries.get('POSTGRES_PORT')).toEqual({ key: 'POSTGRES_PORT', value: '6543', line: 14, fromShell: true });
    expect(resolved.entries.get('DEV_AWS_ENDPOINT')?.line).toBe(25);
    expect(document.lines.map((line) => line.kind[0]).join('')).toBe('ceeebcceb' + 'ceeeebebceeeebee');
    expect(document.lines[0]?.commentedKey).toBeUndefined();
    expect(document.lines.map((line) => line.raw).join('')).toBe(SEED_ENV);
    expect(resolved.duplicates).toEqual([]);
    expect(resolved.issues).toEqual([]);
    expect(resolved.unsetReferences).toEqual([]);
  });

  it('records the raw value and the reference of DATABASE_URL', () => {
    const line = parseEnvDocument(SEED_ENV).lines.find((candidate) => candidate.key === 'DATABASE_URL');
    expect(line?.quote).toBe('none');
    expect(line?.rawValue).toBe(
      'postgresql://${POSTGRES_USER:-root}:${POSTGRES_PASSWORD:-root}@postgres:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-postgres}',
    );
  });
});

describe('document shape', () => {
  it('reports duplicates with every line, the last one counting', () => {
    const resolved = resolveEnvDocument(parseEnvDocument('A=1\nB=2\nA=3\n'), {});
    expect(resolved.duplicates).toEqual([{ key: 'A', lines: [1, 3] }]);
    expect(resolved.entries.get('A')).toEqual({ key: 'A', value: '3', line: 3, fromShell: false });
  });

  it('notes the line ending, BOM and final newline', () => {
    expect(parseEnvDocument('\uFEFFA=1\r\nB=2')).toMatchObject({ eol: '\r\n', bom: true, finalNewline: false });
    expect(parseEnvDocument('A=1\n')).toMatchObject({ eol: '\n', bom: false, finalNewline: true });
  });

  it('gives multi-line values their first and last line', () => {
    const document = parseEnvDocument('A=1\nB="x\ny\nz" # c\nC=2\n');
    const b = document.lines[1];
    expect(b).toMatchObject({ kind: 'entry', key: 'B', line: 2, endLine: 4, rawValue: '"x\ny\nz"', value: 'x\ny\nz', raw: 'B="x\ny\nz" # c\n' });
    expect(document.lines[2]).toMatchObject({ key: 'C', line: 5, endLine: 5 });
  });

  it('recognises commented definitions', () => {
    const lines = parseEnvDocument('# KEY=value\n#OTHER=1\n#   export THIRD="x"\n# just words\n# Note: a=b\n').lines;
    expect(lines.map((line) => line.commentedKey)).toEqual(['KEY', 'OTHER', 'THIRD', undefined, undefined]);
  });

  it('keeps a key named __proto__ an ordinary key', () => {
    const resolved = resolveEnvDocument(parseEnvDocument('__proto__=x\n'), {});
    expect(Object.keys(resolved.values)).toEqual(['__proto__']);
    expect(resolved.values['__proto__']).toBe('x');
  });

  it('lists unset references Compose warns about', () => {
    const resolved = resolveEnvDocument(parseEnvDocument('A=$MISSING\nB=${C:-x}\n'), {});
    expect(resolved.unsetReferences).toEqual([{ line: 1, key: 'A', variable: 'MISSING' }]);
  });
});
