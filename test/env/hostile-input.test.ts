/**
 * `datalayer check` parses the file on every run: a 10 MB hostile file must be read in linear
 * time (no backtracking, no rescanning), and interpolation must not explode on nesting.
 */
import { describe, expect, it } from 'vitest';
import { commentOutKeys, restoreDisabledLines, setEnvValue, uncommentKeys } from '../../src/config/env/edit.js';
import { interpolate } from '../../src/config/env/interpolate.js';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';

const TEN_MB = 10 * 1024 * 1024;

function fill(pattern: string, size: number): string {
  return pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
}

function parseAndResolve(text: string): void {
  const document = parseEnvDocument(text);
  resolveEnvDocument(document, {});
  expect(document.lines.map((line) => line.raw).join('').length).toBe(text.length);
}

/**
 * No wall-clock limits here (timing belongs to benchmarks, and a busy machine would fail them):
 * these inputs finish in seconds when reading is linear, and in hours when it is quadratic, so the
 * test timeout below is what fails a backtracking or rescanning reader.
 */
const LINEAR_TIME_BOUND_MS = 120_000;

// Shapes that would make a backtracking or rescanning reader quadratic: few lines, long ones.
const algorithmicShapes: Array<{ shape: string; text: string }> = [
  { shape: 'one huge unquoted value', text: `A=${'x'.repeat(TEN_MB)}` },
  { shape: 'one huge value of " #"', text: `A=${fill(' #', TEN_MB)}` },
  { shape: 'unterminated double quote at the start', text: `A="${fill('ab\\', TEN_MB)}` },
  { shape: 'nested defaults never closed', text: `A=${fill('${A:-', TEN_MB)}` },
  { shape: 'closed nested defaults', text: `A=${'${A:-'.repeat(100_000)}x${'}'.repeat(100_000)}` },
  { shape: 'many references on one line', text: `A=${fill('${X:-y}$$$Z', TEN_MB)}` },
  { shape: 'invalid references on one line', text: `A=${fill('${}{}', TEN_MB)}` },
  { shape: 'one key name of 10 MB', text: `${'K'.repeat(TEN_MB)}=1` },
];

// Shapes that maximise the number of lines. A file reaches the parser only up to readEnvFile's
// 5 MB limit, so that is the size that matters here.
const FIVE_MB = 5 * 1024 * 1024;
const lineShapes: Array<{ shape: string; text: string }> = [
  { shape: 'newlines only', text: fill('\n', FIVE_MB) },
  { shape: 'short entries', text: fill('A=1\n', FIVE_MB) },
  { shape: 'a stray quote on every line', text: fill('K="\nL=\'\\\n', FIVE_MB) },
  { shape: 'escaped quotes everywhere', text: fill('K="\\"\n', FIVE_MB) },
  { shape: 'broken names', text: fill('bad line here!\n', FIVE_MB) },
];

describe('hostile input is read in linear time', () => {
  it.each(algorithmicShapes)('10 MB: $shape', ({ text }) => {
    parseAndResolve(text);
  }, LINEAR_TIME_BOUND_MS);

  it.each(lineShapes)('5 MB: $shape', ({ text }) => {
    parseAndResolve(text);
  }, LINEAR_TIME_BOUND_MS);

  it('interpolates a 10 MB template with repeated references in linear time', () => {
    const result = interpolate(fill('${A:-x}${B}', TEN_MB), () => undefined);
    expect(result.value.length).toBeGreaterThan(0);
  }, LINEAR_TIME_BOUND_MS);

  it('edits a 1 MB file of commented definitions quickly', () => {
    const text = '# K="\n'.repeat(150_000) + 'K=1\n';
    const disabled = commentOutKeys(text, ['K']);
    // Booleans, not the strings: a failure must not make the test runner diff two 1 MB texts.
    expect(restoreDisabledLines(disabled).text === text).toBe(true);
    expect(uncommentKeys(text, ['K']).length).toBeGreaterThan(0);
    expect(setEnvValue(text, 'K', '2').endsWith('K=2\n')).toBe(true);
  }, LINEAR_TIME_BOUND_MS);
});

describe('references that double a value on every line (a "billion laughs" .env)', () => {
  const doubling = (lines: number) =>
    ['K0=abcdefghijklmnopqrstuvwxyz', ...Array.from({ length: lines }, (_, i) => `K${i + 1}=\${K${i}}\${K${i}}`)].join('\n') + '\n';

  it('stops at a bounded size and names the line where the value outgrows it', () => {
    const resolved = resolveEnvDocument(parseEnvDocument(doubling(25)), {});
    const total = Object.values(resolved.values).reduce((sum, value) => sum + value.length, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
    const issue = resolved.issues.find((candidate) => candidate.kind === 'too-long');
    // K12 is 26 × 2^12 = 106,496 characters: the first past the 64 KiB a value may grow by.
    expect(issue).toMatchObject({ key: 'K12', line: 13 });
  });

  it('many lines that each copy a large value exhaust one budget for the whole file', () => {
    const big = 'x'.repeat(60_000);
    const text = `A=${big}\n${Array.from({ length: 200 }, (_, i) => `B${i}=\${A}`).join('\n')}\n`;
    const resolved = resolveEnvDocument(parseEnvDocument(text), {});
    const total = Object.values(resolved.values).reduce((sum, value) => sum + value.length, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
    expect(resolved.issues.filter((candidate) => candidate.kind === 'too-long').length).toBeGreaterThan(0);
  });

  it('a file of ordinary references resolves in full', () => {
    const resolved = resolveEnvDocument(parseEnvDocument('U=root\nP=pw\nURL=postgresql://${U}:${P}@localhost:5432/${U}\n'), {});
    expect(resolved.issues).toEqual([]);
    expect(resolved.values.URL).toBe('postgresql://root:pw@localhost:5432/root');
  });
});
