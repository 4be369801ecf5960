/**
 * Why `.env` is parsed here rather than with the `dotenv` package: on the cases below the two
 * disagree, and the file is meant for Docker Compose. Each row states both readings, so a change in
 * either one shows up.
 */
import { parse as dotenvParse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';
import { SEED_ENV } from './fixtures.js';

function composeReading(text: string): { values: Record<string, string>; errors: number } {
  const document = parseEnvDocument(text);
  return { values: { ...resolveEnvDocument(document, {}).values }, errors: document.errors.length };
}

const differences: Array<{ why: string; text: string; compose: Record<string, string>; dotenv: Record<string, string>; composeErrors?: number }> = [
  { why: 'a # without a blank before it is part of the value for Compose', text: 'FOO=123#not-a-comment', compose: { FOO: '123#not-a-comment' }, dotenv: { FOO: '123' } },
  { why: 'a tab before # does not start a comment for Compose', text: 'F=a\t#b', compose: { F: 'a\t#b' }, dotenv: { F: 'a' } },
  { why: 'blanks after = are trimmed before Compose looks for " #"', text: 'FOO= # not a comment', compose: { FOO: '# not a comment' }, dotenv: { FOO: '' } },
  { why: 'Compose interpolates ${VAR:-default}; dotenv keeps it literally', text: 'A=1\nB=${A:-x}', compose: { A: '1', B: '1' }, dotenv: { A: '1', B: '${A:-x}' } },
  { why: '$$ is a literal $ for Compose', text: 'A=$$HOME', compose: { A: '$HOME' }, dotenv: { A: '$$HOME' } },
  { why: 'Compose expands \\t in double quotes; dotenv only \\n and \\r', text: 'FOO="a\\tb"', compose: { FOO: 'a\tb' }, dotenv: { FOO: 'a\\tb' } },
  { why: 'Compose expands \\$ and octal escapes in double quotes', text: 'A="x\\$y"\nK="\\0123"', compose: { A: 'x$y', K: 'S' }, dotenv: { A: 'x\\$y', K: '\\0123' } },
  { why: "\\' closes nothing inside single quotes for Compose, it is a quote", text: "K='it\\'s'", compose: { K: "it's" }, dotenv: { K: "it\\'s" } },
  { why: 'backticks are ordinary characters for Compose; dotenv strips them', text: 'A=`back`', compose: { A: '`back`' }, dotenv: { A: 'back' } },
  { why: 'a name with a space is an error for Compose; dotenv skips the line', text: 'A B=c\nD=1', compose: { D: '1' }, dotenv: { D: '1' }, composeErrors: 1 },
  { why: 'an unterminated quote is an error for Compose; dotenv keeps the quote in the value', text: 'A="abc\nB=1', compose: { B: '1' }, dotenv: { A: '"abc', B: '1' }, composeErrors: 1 },
];

describe('Compose reading versus the dotenv package', () => {
  it.each(differences)('$why', ({ text, compose, dotenv, composeErrors }) => {
    expect(composeReading(text)).toEqual({ values: compose, errors: composeErrors ?? 0 });
    expect({ ...dotenvParse(text) }).toEqual(dotenv);
    // Rows without a Compose error differ in values; the others differ in refusing the file.
    if (composeErrors === undefined) expect(compose).not.toEqual(dotenv);
  });

  it('agrees on the plain shapes (quotes, export, yaml style, CRLF, BOM, duplicates)', () => {
    const text = '\uFEFFexport A=1\r\nB: 2\r\nC="x y" # c\r\nD=\'z\'\r\nE="l1\nl2"\r\nA=3\r\n';
    expect(composeReading(text).values).toEqual({ ...dotenvParse(text) });
  });

  it('differs on the seed exactly where the seed relies on interpolation', () => {
    const compose = composeReading(SEED_ENV).values;
    const dotenv = { ...dotenvParse(SEED_ENV) };
    const differing = Object.keys(compose).filter((key) => compose[key] !== dotenv[key]);
    expect(differing).toEqual(['DATABASE_URL', 'DEV_AWS_ENDPOINT']);
    expect(dotenv['DATABASE_URL']).toContain('${POSTGRES_USER:-root}');
  });
});
