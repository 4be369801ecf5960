import type { Diagnostic } from '../../support/diagnostic.js';
import type { Findings } from './findings.js';

/**
 * Diagnostics of one kind beyond this are summed up in one more: a broken multi-megabyte file
 * would otherwise print hundreds of thousands of them (Compose itself stops at the first).
 */
export const MAX_DIAGNOSTICS_PER_KIND = 50;
/** Line numbers listed for a key defined many times; the rest are counted. */
const MAX_LISTED_LINES = 10;

const ISSUE_CODES = { required: 'ENV_REQUIRED_VARIABLE', syntax: 'ENV_INTERPOLATION', 'too-long': 'ENV_VALUE_TOO_LONG' } as const;
const ISSUE_HINTS = {
  required: 'Define the referenced variable on an earlier line of the file, or in the environment.',
  syntax: 'Check the ${...} reference; write $$ for a literal dollar sign.',
  'too-long': 'Reference each value once: a line such as K2=${K1}${K1} doubles it, and a chain of them grows without bound.',
} as const;

/** Lines that do not parse, `${VAR:?message}` with VAR unset, keys defined twice. */
export function checkSyntax(findings: Findings): void {
  const { config } = findings;
  const file = config.host.envFileLabel;
  const add = (list: Diagnostic[]) => {
    for (const diagnostic of boundedList(list, file)) findings.addElsewhere(diagnostic);
  };
  add(
    (config.document?.errors ?? []).map((error) => ({
      severity: 'error' as const,
      code: 'ENV_SYNTAX',
      message: error.message,
      file,
      line: error.line,
      ...(error.key ? { key: error.key } : {}),
      hint: error.hint ?? 'Write each setting as KEY=value; close every quote you open.',
    })),
  );
  add(
    (config.document?.warnings ?? []).map((warning) => ({
      severity: 'warning' as const,
      code: 'ENV_SYNTAX_SUSPICIOUS',
      message: warning.message,
      file,
      line: warning.line,
      ...(warning.key ? { key: warning.key } : {}),
      ...(warning.hint ? { hint: warning.hint } : {}),
    })),
  );
  add(
    config.resolved.issues.map((issue) => ({
      severity: 'error' as const,
      code: ISSUE_CODES[issue.kind],
      message: `${issue.key}: ${issue.message}`,
      file,
      line: issue.line,
      key: issue.key,
      hint: ISSUE_HINTS[issue.kind],
    })),
  );
  add(
    config.resolved.duplicates.map((duplicate) => ({
      severity: 'warning' as const,
      code: 'ENV_DUPLICATE_KEY',
      message: `${duplicate.key} is defined ${duplicate.lines.length} times (${listLines(duplicate.lines)}); the last one counts.`,
      file,
      line: duplicate.lines[duplicate.lines.length - 1] ?? 0,
      key: duplicate.key,
      hint: 'Keep one definition so that nobody edits the one that is ignored.',
    })),
  );
}

function listLines(lines: readonly number[]): string {
  if (lines.length <= MAX_LISTED_LINES) return `lines ${lines.join(', ')}`;
  const shown = lines.slice(0, MAX_LISTED_LINES - 1).join(', ');
  return `lines ${shown}, … (${lines.length - MAX_LISTED_LINES} more) and ${lines[lines.length - 1]}`;
}

/** The first diagnostics of a kind as they are, then one that counts the others and points at the next. */
function boundedList(list: Diagnostic[], file: string): Diagnostic[] {
  if (list.length <= MAX_DIAGNOSTICS_PER_KIND) return list;
  const kept = list.slice(0, MAX_DIAGNOSTICS_PER_KIND);
  const next = list[MAX_DIAGNOSTICS_PER_KIND]!;
  const more = list.length - MAX_DIAGNOSTICS_PER_KIND;
  kept.push({
    severity: next.severity,
    code: next.code,
    message: `${more} more like the above, from line ${next.line} on; fix these first and run \`datalayer check\` again.`,
    file,
    ...(next.line === undefined ? {} : { line: next.line }),
    ...(next.hint === undefined ? {} : { hint: next.hint }),
  });
  return kept;
}
