import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendEnvLines, commentOutKeys, formatEnvValue, restoreDisabledLines, setEnvValue, uncommentKeys } from '../../src/config/env/edit.js';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';
import { SEED_ENV, SEED_KEYS } from './fixtures.js';

function valueOf(text: string, key: string): string | undefined {
  const document = parseEnvDocument(text);
  expect(document.errors).toEqual([]);
  return resolveEnvDocument(document, {}).values[key];
}

/** Physical lines with their endings, so that a changed line ending shows up as a change. */
function physicalLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

interface SetCase {
  shape: string;
  text: string;
  key: string;
  value: string;
  expected: string;
}

const seedLine2 = "CHAINLIT_AUTH_SECRET=... # has to be generated with with this command: 'uv run chainlit create-secret' but a random value works too.\n";

const setCases: SetCase[] = [
  { shape: 'seed: placeholder secret, comment kept', text: SEED_ENV, key: 'CHAINLIT_AUTH_SECRET', value: 'Zx9-abc', expected: SEED_ENV.replace(seedLine2, seedLine2.replace('=...', '=Zx9-abc')) },
  { shape: 'CRLF', text: 'A=1\r\nB=2\r\n', key: 'A', value: 'x', expected: 'A=x\r\nB=2\r\n' },
  { shape: 'BOM and CRLF', text: '\uFEFFA=1\r\nB=2\r\n', key: 'B', value: 'new', expected: '\uFEFFA=1\r\nB=new\r\n' },
  { shape: 'export kept', text: 'export A=1\n', key: 'A', value: '2', expected: 'export A=2\n' },
  { shape: 'single quotes kept, comment kept', text: "A='old' # c\n", key: 'A', value: 'new value', expected: "A='new value' # c\n" },
  { shape: "single quotes cannot hold '", text: "A='old'\n", key: 'A', value: "it's", expected: 'A="it\'s"\n' },
  { shape: 'double quotes escape $ " \\', text: 'A="old"\n', key: 'A', value: 'p@$$w"r\\d', expected: 'A="p@\\$\\$w\\"r\\\\d"\n' },
  { shape: 'multi-line value replaced', text: 'A=1\nB="l1\nl2" # c\nC=3\n', key: 'B', value: 'one', expected: 'A=1\nB="one" # c\nC=3\n' },
  { shape: 'unquoted with comment', text: 'A=old   # note\n', key: 'A', value: 'new', expected: 'A=new   # note\n' },
  { shape: 'duplicate keys: the last one counts', text: 'A=1\nB=2\nA=3\n', key: 'A', value: '9', expected: 'A=1\nB=2\nA=9\n' },
  { shape: 'no final newline, existing key', text: 'A=1\nB=2', key: 'B', value: 'x', expected: 'A=1\nB=x' },
  { shape: 'no final newline, new key', text: 'A=1\nB=2', key: 'C', value: 'x', expected: 'A=1\nB=2\nC=x\n' },
  { shape: 'CRLF, new key', text: 'A=1\r\n', key: 'NEW', value: 'v', expected: 'A=1\r\nNEW=v\r\n' },
  { shape: 'CRLF without final newline, new key', text: 'A=1\r\nB=2', key: 'C', value: 'v', expected: 'A=1\r\nB=2\r\nC=v\r\n' },
  { shape: 'empty file', text: '', key: 'A', value: 'v', expected: 'A=v\n' },
  { shape: 'BOM only', text: '\uFEFF', key: 'A', value: 'v', expected: '\uFEFFA=v\n' },
  { shape: 'bare value needing quotes', text: 'A=old\n', key: 'A', value: ' spaced ', expected: "A=' spaced '\n" },
  { shape: 'bare value with $', text: 'A=old\n', key: 'A', value: 'a$b', expected: "A='a$b'\n" },
  { shape: 'empty value before a comment', text: 'A=old # note\n', key: 'A', value: '', expected: 'A="" # note\n' },
  { shape: 'yaml style', text: 'A: old\n', key: 'A', value: 'new', expected: 'A: new\n' },
  { shape: 'blanks around =', text: 'A = old\n', key: 'A', value: 'new', expected: 'A = new\n' },
  { shape: 'bare inherited name', text: 'A\r\nB=1\r\n', key: 'A', value: 'v', expected: 'A=v\r\nB=1\r\n' },
  { shape: 'only a commented definition: append', text: '# A=old\n', key: 'A', value: 'new', expected: '# A=old\nA=new\n' },
  { shape: 'indented entry', text: '   A=old\n', key: 'A', value: 'new', expected: '   A=new\n' },
  { shape: 'line break in a bare entry', text: 'A=x\n', key: 'A', value: 'l1\nl2', expected: 'A="l1\\nl2"\n' },
  { shape: 'unicode value stays bare', text: 'A=x\n', key: 'A', value: 'héllo wörld', expected: 'A=héllo wörld\n' },
];

describe('setEnvValue', () => {
  it('covers at least 20 shapes', () => {
    expect(setCases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(setCases)('$shape', ({ text, key, value, expected }) => {
    const edited = setEnvValue(text, key, value);
    expect(edited).toBe(expected);
    expect(valueOf(edited, key)).toBe(value);
    const before = physicalLines(text.replace(/^\uFEFF/, ''));
    const after = physicalLines(edited.replace(/^\uFEFF/, ''));
    const target = parseEnvDocument(text).lines.findLast((line) => line.kind === 'entry' && line.key === key);
    if (target) {
      // Only the lines of the definition change; the lines before and after keep every byte.
      expect(after.slice(0, target.line - 1)).toEqual(before.slice(0, target.line - 1));
      expect(after.slice(after.length - (before.length - target.endLine))).toEqual(before.slice(target.endLine));
    } else {
      expect(edited.startsWith(text)).toBe(true);
    }
  });

  it('leaves every other value of the seed as it was', () => {
    const before = resolveEnvDocument(parseEnvDocument(SEED_ENV), {}).values;
    const after = resolveEnvDocument(parseEnvDocument(setEnvValue(SEED_ENV, 'POSTGRES_PASSWORD', 's3cr#t $x')), {}).values;
    expect(after).toEqual({ ...before, POSTGRES_PASSWORD: 's3cr#t $x', DATABASE_URL: 'postgresql://root:s3cr#t $x@postgres:5432/postgres' });
  });

  it('refuses a name Compose could not read', () => {
    expect(() => setEnvValue('', 'BAD NAME', 'x')).toThrow(/variable name/);
    expect(() => setEnvValue('', '', 'x')).toThrow(/variable name/);
  });
});

const valueCharacters = fc.constantFrom('a', 'Z', '0', '$', '{', '}', '#', ' ', '\t', '\n', '\r', '"', "'", '\\', '=', ':', 'é', '\v', '€');
const anyValue = fc.string({ unit: valueCharacters, maxLength: 24 });

describe('formatEnvValue', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a#b', 'a#b'],
    ['a #b', "'a #b'"],
    ['$HOME', "'$HOME'"],
    ["'quoted", `"'quoted"`],
    ['"quoted', `'"quoted'`],
    ['back\\slash', 'back\\slash'],
    ['back\\slash and $', '"back\\\\slash and \\$"'],
    ['trailing ', "'trailing '"],
  ])('%j -> %s', (value, expected) => {
    expect(formatEnvValue(value)).toBe(expected);
  });

  it('always reads back as the same value in Compose', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(valueOf(`K=${formatEnvValue(value)}\nNEXT=1\n`, 'K')).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('setEnvValue reads back in every quoting style', () => {
    const styles = ['K=old # c\n', "K='old'\n", 'export K="old"\r\n', 'K\n', 'K="a\nb"\n'];
    fc.assert(
      fc.property(anyValue, fc.constantFrom(...styles), (value, text) => {
        const edited = setEnvValue(`A=1\n${text}Z=2`, 'K', value);
        expect(valueOf(edited, 'K')).toBe(value);
        expect(valueOf(edited, 'Z')).toBe('2');
      }),
      { numRuns: 300 },
    );
  });
});

const toggleShapes: Array<{ shape: string; text: string; keys: string[] }> = [
  { shape: 'seed, every data-layer key', text: SEED_ENV, keys: [...SEED_KEYS] },
  { shape: 'CRLF with BOM', text: '\uFEFFA=1\r\n# note\r\nB=2\r\n', keys: ['A', 'B'] },
  { shape: 'export', text: 'export A=1\nB=2\n', keys: ['A'] },
  { shape: 'multi-line double quotes', text: 'A="l1\nl2\n\nl4" # c\nB=1\n', keys: ['A'] },
  { shape: 'multi-line single quotes, CRLF', text: "A='l1\r\n#l2\r\n'\r\nB=1", keys: ['A', 'B'] },
  { shape: 'comment after value', text: 'A=1 # one\n', keys: ['A'] },
  { shape: 'duplicate keys', text: 'A=1\nB=2\nA=3\n', keys: ['A'] },
  { shape: 'no final newline', text: 'A=1\nB=2', keys: ['B'] },
  { shape: 'indented and yaml style', text: '  A: 1\n\tB = 2\n', keys: ['A', 'B'] },
  { shape: 'bare inherited name', text: 'A\nB=1\n', keys: ['A'] },
  { shape: 'keys absent', text: 'A=1\n', keys: ['MISSING'] },
  { shape: 'neighbouring prose comments', text: '# Chainlit: "quoted\nA=1\n# end"\n', keys: ['A'] },
];

const MARK = '#[disabled by datalayer] ';

describe('commentOutKeys / restoreDisabledLines / uncommentKeys', () => {
  it.each(toggleShapes)('disable then enable restores the bytes: $shape', ({ text, keys }) => {
    const disabled = commentOutKeys(text, keys);
    const restored = restoreDisabledLines(disabled);
    expect(restored.text).toBe(text);
    expect(restored.keys.sort()).toEqual(keys.filter((key) => parseEnvDocument(text).lines.some((line) => line.key === key)).sort());
    const values = resolveEnvDocument(parseEnvDocument(disabled), {}).values;
    for (const key of keys) expect(values[key]).toBeUndefined();
  });

  it('comments every line of a multi-line entry and nothing else', () => {
    const text = 'A=1\r\nB="l1\r\nl2" # c\r\nC=3';
    expect(commentOutKeys(text, ['B'])).toBe(`A=1\r\n${MARK}B="l1\r\n${MARK}l2" # c\r\nC=3`);
    expect(commentOutKeys(text, ['C'])).toBe(`A=1\r\nB="l1\r\nl2" # c\r\n${MARK}C=3`);
  });

  it('restores only the lines it marked: the user\'s commented definitions stay comments', () => {
    const text = 'A=new\n# A=old\n#A=older\nB\n';
    const disabled = commentOutKeys(text, ['A', 'B']);
    expect(disabled).toBe(`${MARK}A=new\n# A=old\n#A=older\n${MARK}B\n`);
    expect(parseEnvDocument(disabled).lines.map((line) => line.commentedKey)).toEqual(['A', 'A', 'A', 'B']);
    expect(restoreDisabledLines(disabled)).toEqual({ text, keys: ['A', 'B'] });
  });

  it('disables the seed block line by line, leaving comments and blanks alone', () => {
    const disabled = commentOutKeys(SEED_ENV, SEED_KEYS);
    const before = physicalLines(SEED_ENV);
    const after = physicalLines(disabled);
    expect(after).toHaveLength(before.length);
    after.forEach((line, index) => {
      const original = before[index] ?? '';
      const isEntry = /^[A-Z_]+=/.test(original);
      expect(line).toBe(isEntry ? `${MARK}${original}` : original);
    });
    expect(parseEnvDocument(disabled).lines.filter((line) => line.commentedKey).map((line) => line.commentedKey)).toEqual([...SEED_KEYS]);
  });

  it('enables hand-written #KEY=v and indented comments', () => {
    expect(uncommentKeys('#A=1\n  # B=2\n# C=3\n', ['A', 'B'])).toBe('A=1\n  B=2\n# C=3\n');
    expect(uncommentKeys('# export A="x\n# y"\n', ['A'])).toBe('export A="x\ny"\n');
  });

  it('leaves a commented definition alone when its quote never closes', () => {
    const text = '# A="x\n# y\nB=1\n';
    expect(uncommentKeys(text, ['A'])).toBe(text);
  });
});

describe('appendEnvLines', () => {
  it.each([
    { text: '', lines: ['A=1', 'B=2'], expected: 'A=1\nB=2\n' },
    { text: 'X=0\n', lines: ['A=1'], expected: 'X=0\nA=1\n' },
    { text: 'X=0', lines: ['A=1'], expected: 'X=0\nA=1\n' },
    { text: 'X=0\r\n', lines: ['# block', 'A=1'], expected: 'X=0\r\n# block\r\nA=1\r\n' },
    { text: '\uFEFFX=0\r\nY=1', lines: ['A=1'], expected: '\uFEFFX=0\r\nY=1\r\nA=1\r\n' },
    { text: 'X=0\n', lines: [], expected: 'X=0\n' },
  ])('$text + $lines', ({ text, lines, expected }) => {
    expect(appendEnvLines(text, lines)).toBe(expected);
  });
});
