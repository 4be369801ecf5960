/** What must hold for every `check` over any `.env` and compose file, whatever they contain. */
import { SECRET_KEYS } from '../../src/config/keys.js';
import type { HostCheck } from '../../src/config/check-host.js';
import type { Diagnostic } from '../../src/support/diagnostic.js';
import { SECRET_MARKER } from './hostile-arbitraries.js';

const SECRET_KEY_SET = new Set<string>(SECRET_KEYS);

/** Codes about one line of `.env`: they always say which. */
const LINE_CODES = new Set(['ENV_SYNTAX', 'ENV_SYNTAX_SUSPICIOUS', 'ENV_INTERPOLATION', 'ENV_REQUIRED_VARIABLE', 'ENV_VALUE_TOO_LONG', 'ENV_DUPLICATE_KEY']);

/** Number of lines as an editor shows them (`\n` ends a line; a BOM is not a line). */
export function lineCount(text: string): number {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (body === '') return 0;
  const newlines = body.split('\n').length - 1;
  return body.endsWith('\n') ? newlines : newlines + 1;
}

/** The values `registerSecrets` masks: secret keys and the password inside DATABASE_URL. */
export function registeredSecrets(values: Record<string, string | undefined>): string[] {
  const secrets = SECRET_KEYS.map((key) => values[key]);
  const url = values.DATABASE_URL;
  if (url && URL.canParse(url)) {
    const password = new URL(url).password;
    secrets.push(password);
    try {
      secrets.push(decodeURIComponent(password));
    } catch {
      // Not percent-encoded: the raw form is already in the list.
    }
  }
  // The same text as the value of a key that is not secret may be shown (shrinking makes tokens collide).
  const shownElsewhere = Object.entries(values)
    .filter(([key]) => !SECRET_KEY_SET.has(key) && key !== 'DATABASE_URL')
    .map(([, value]) => value ?? '');
  return secrets.filter(
    (value): value is string => value !== undefined && SECRET_MARKER.test(value) && !shownElsewhere.some((other) => other.includes(value)),
  );
}

/** Human-readable reasons the invariants fail; empty when they hold. */
export function invariantViolations(check: HostCheck, files: { env: string; envLabel: string; compose: string; composeLabel: string }): string[] {
  const problems: string[] = [];
  const envLines = lineCount(files.env);
  const composeLines = lineCount(files.compose);
  const secrets = registeredSecrets(check.config.values);
  const describe = (d: Diagnostic) => `${d.severity} ${d.code} line=${d.line} key=${d.key}: ${d.message}`;
  for (const diagnostic of check.diagnostics) {
    if (!['error', 'warning', 'info'].includes(diagnostic.severity) || !diagnostic.code || !diagnostic.message) {
      problems.push(`malformed diagnostic: ${JSON.stringify(diagnostic)}`);
    }
    const { line } = diagnostic;
    if (diagnostic.file === files.envLabel) {
      if (line !== undefined && !(Number.isInteger(line) && line >= 1 && line <= envLines)) {
        problems.push(`line outside the .env (${envLines} lines): ${describe(diagnostic)}`);
      }
      if (line === undefined && LINE_CODES.has(diagnostic.code)) problems.push(`no line: ${describe(diagnostic)}`);
      const definedInFile = diagnostic.key !== undefined && check.config.resolved.entries.get(diagnostic.key)?.fromShell === false;
      if (line === undefined && diagnostic.severity === 'error' && definedInFile) {
        problems.push(`error about a key of the file without its line: ${describe(diagnostic)}`);
      }
    } else if (diagnostic.file === files.composeLabel && line !== undefined) {
      if (!(Number.isInteger(line) && line >= 1 && line <= Math.max(composeLines, 1))) {
        problems.push(`line outside the compose file (${composeLines} lines): ${describe(diagnostic)}`);
      }
    }
    const shown = [diagnostic.message, diagnostic.hint ?? '', diagnostic.key ?? ''].join('\n');
    for (const secret of secrets) {
      if (shown.includes(secret)) problems.push(`secret shown: ${describe(diagnostic)}`);
    }
  }
  return problems;
}
