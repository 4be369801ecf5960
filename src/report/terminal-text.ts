/**
 * Text on its way to a terminal. Much of what datalayer prints comes from elsewhere: upstream
 * commit subjects, git's and the services' messages, values and lines of `.env` and compose
 * files. None of it may drive the terminal (clear the screen, set the window title, move the
 * cursor, hide text, write a hyperlink): escape sequences and control characters are removed,
 * except tab and newline, and except the reporter's own colours.
 */
import type { Style } from './style.js';

/**
 * ESC and what follows it: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL or ESC \`), DCS, SOS, PM
 * and APC strings (up to `ESC \`), two-character escapes, or a lone ESC. A string that never ends
 * is cut at the end of its line, so that the rest stays readable.
 */
const ESCAPE_SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[PX^_][^\x1b\n]*(?:\x1b\\)?|[ -/]*[0-~])?/g;
/**
 * C0 controls but tab, newline and ESC (ESCAPE_SEQUENCE has dealt with each ESC), DEL, and the C1
 * controls (U+0080-U+009F: 8-bit CSI, OSC...).
 */
const CONTROL_CHARACTER = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/g;

/** The escape sequences a style itself writes (its colours), found by styling a probe. */
export function styleSequences(style: Style): ReadonlySet<string> {
  const sequences = new Set<string>();
  if (!style.color) return sequences;
  for (const paint of [style.ok, style.bad, style.warn, style.dim, style.bold, style.code]) {
    for (const part of paint('\u0000').split('\u0000')) {
      for (const match of part.matchAll(ESCAPE_SEQUENCE)) sequences.add(match[0]);
    }
  }
  return sequences;
}

/** `text` without control sequences or characters, keeping only the sequences in `allowed`. */
export function terminalText(text: string, allowed: ReadonlySet<string> = new Set()): string {
  return text
    .replace(ESCAPE_SEQUENCE, (sequence) => (allowed.has(sequence) ? sequence : ''))
    .replace(CONTROL_CHARACTER, '');
}

/**
 * A JSON document for stdout: JSON.stringify already escapes C0 controls inside strings, but not
 * DEL and the C1 controls; escaping them too keeps every value intact and the terminal inert.
 */
export function terminalJson(json: string): string {
  return json.replace(/[\x7f-\x9f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
