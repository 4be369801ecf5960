import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/report/reporter.js';
import { plainStyle, terminalStyle } from '../../src/report/style.js';
import { styleSequences, terminalText } from '../../src/report/terminal-text.js';
import { packageVersion } from '../helpers/cli.js';

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('terminal text', () => {
  it.each([
    ['clear screen and home', 'a\x1b[2J\x1b[Hb', 'ab'],
    ['an OSC title ended by BEL', 'a\x1b]0;title\x07b', 'ab'],
    ['an OSC 8 hyperlink ended by ESC \\', 'a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b', 'alinkb'],
    ['an OSC never ended: cut at the end of its line', 'a\x1b]0;title\nnext', 'a\nnext'],
    ['two-character escapes (reset, save cursor)', 'a\x1bcb\x1b7c', 'abc'],
    ['a lone ESC at the end', 'ab\x1b', 'ab'],
    ['8-bit CSI and OSC introducers', 'a\x9b2Jb\x9d0;t\x07c', 'a2Jb0;tc'],
    ['carriage return, backspace, bell, NUL, DEL', 'a\rb\bc\x07d\x00e\x7ff', 'abcdef'],
    ['tab and newline are kept', 'a\tb\nc\r\n', 'a\tb\nc\n'],
    ['unicode is kept', 'é 中文 😀 ⠋', 'é 中文 😀 ⠋'],
  ])('%s', (_label, input, expected) => {
    expect(terminalText(input)).toBe(expected);
  });

  it('no control character survives, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        expect(terminalText(input)).not.toMatch(CONTROL);
      }),
      { numRuns: 2000 },
    );
  });

  it('with colours on, only the style\'s own sequences survive, the injected ones go', async () => {
    const style = await terminalStyle();
    const own = styleSequences(style);
    expect(own.size).toBeGreaterThan(0);
    expect(styleSequences(plainStyle).size).toBe(0);
    const painted = `${style.ok('✔')} done ${style.dim('(1s)')}`;
    expect(terminalText(painted, own)).toBe(painted);
    expect(terminalText(`${style.bad('x')}\x1b[2J\x1b[8mhidden\x1b]0;t\x07`, own)).toBe(`${style.bad('x')}hidden`);
  });
});

describe('the reporter strips control sequences in every output path', () => {
  const hostile = 'subject\x1b[2J\x1b]0;title\x07\x9b3J end';

  it.each([false, true])('color %s: info, warn, result, error, service logs, --verbose commands', async (color) => {
    const stdout = new Collect();
    const stderr = new Collect();
    const style = color ? await terminalStyle() : plainStyle;
    const reporter = new Reporter({ json: false, quiet: false, verbose: true, color, stdout, stderr, version: packageVersion, style });
    reporter.info(hostile);
    reporter.warn(hostile);
    reporter.command(['git', hostile]);
    reporter.serviceLog(`${hostile}\n`);
    reporter.result('x', { exitCode: 0, diagnostics: [], data: {} }, () => hostile);
    reporter.error('x', new Error(hostile));
    const progress = reporter.progress(hostile);
    progress.update(hostile);
    progress.done(hostile);
    const own = styleSequences(style);
    for (const text of [stdout.text, stderr.text]) {
      expect(text).toContain('subject');
      // Every ESC left is the start of one of the style's own colours (or the spinner's line reset).
      const escapes = [...text.matchAll(/\x1b\[[0-9;]*[A-Za-z]/g)].map((match) => match[0]);
      for (const sequence of escapes) expect(own.has(sequence) || sequence === '\x1b[2K', JSON.stringify(sequence)).toBe(true);
      expect(text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '')).not.toMatch(CONTROL);
    }
  });

  it('--json: the document keeps the value, with every control character escaped', () => {
    const stdout = new Collect();
    const reporter = new Reporter({ json: true, quiet: false, verbose: false, color: false, stdout, stderr: new Collect(), version: packageVersion });
    reporter.result('x', { exitCode: 0, diagnostics: [], data: { subject: hostile } }, () => '');
    // Only the document's own line breaks.
    expect(stdout.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect((JSON.parse(stdout.text) as { data: { subject: string } }).data.subject).toBe(hostile);
  });
});
