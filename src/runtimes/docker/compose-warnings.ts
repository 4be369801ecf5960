/**
 * Compose prints its own warnings on stderr in logrus form: `WARN[0000] message` on a terminal,
 * `time="…" level=warning msg="message"` otherwise. These are worth relaying (an unset variable
 * defaulting to blank is a real finding); the rest of stderr is progress noise.
 */
export function composeWarnings(stderr: string): string[] {
  const warnings: string[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const message = warningMessage(line.trim());
    if (message !== undefined && !warnings.includes(message)) warnings.push(message);
  }
  return warnings;
}

export function isComposeWarningLine(line: string): boolean {
  return warningMessage(line.trim()) !== undefined;
}

function warningMessage(line: string): string | undefined {
  const terminal = /^WARN\[\d+\]\s*(.*)$/.exec(line);
  if (terminal) return terminal[1];
  if (!/\blevel=warn(ing)?\b/.test(line)) return undefined;
  const quoted = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, '$1');
  const bare = /\bmsg=(\S+)/.exec(line);
  return bare?.[1];
}
