// Terminal control sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC ] … ESC \`), other
// two-byte escapes, and a carriage return that rewinds a line (not one ending it). Compose 2.26
// writes `ESC[2K` before every log line even into a pipe (docker/compose#11727).
const SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r(?!\n)/g;

/** The text as a pipe, a file or a CI log should get it: what a terminal would show, without the codes. */
export function stripControlSequences(text: string): string {
  return text.replace(SEQUENCES, '');
}
