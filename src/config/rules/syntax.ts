import type { Findings } from './findings.js';

/** Lines that do not parse, `${VAR:?message}` with VAR unset, keys defined twice. */
export function checkSyntax(findings: Findings): void {
  const { config } = findings;
  const file = config.host.envFileLabel;
  for (const error of config.document?.errors ?? []) {
    findings.addElsewhere({
      severity: 'error',
      code: 'ENV_SYNTAX',
      message: error.message,
      file,
      line: error.line,
      ...(error.key ? { key: error.key } : {}),
      hint: error.hint ?? 'Write each setting as KEY=value; close every quote you open.',
    });
  }
  for (const warning of config.document?.warnings ?? []) {
    findings.addElsewhere({
      severity: 'warning',
      code: 'ENV_SYNTAX_SUSPICIOUS',
      message: warning.message,
      file,
      line: warning.line,
      ...(warning.key ? { key: warning.key } : {}),
      ...(warning.hint ? { hint: warning.hint } : {}),
    });
  }
  for (const issue of config.resolved.issues) {
    findings.addElsewhere({
      severity: 'error',
      code: issue.kind === 'required' ? 'ENV_REQUIRED_VARIABLE' : 'ENV_INTERPOLATION',
      message: `${issue.key}: ${issue.message}`,
      file,
      line: issue.line,
      key: issue.key,
      hint:
        issue.kind === 'required'
          ? 'Define the referenced variable on an earlier line of the file, or in the environment.'
          : 'Check the ${...} reference; write $$ for a literal dollar sign.',
    });
  }
  for (const duplicate of config.resolved.duplicates) {
    findings.addElsewhere({
      severity: 'warning',
      code: 'ENV_DUPLICATE_KEY',
      message: `${duplicate.key} is defined ${duplicate.lines.length} times (lines ${duplicate.lines.join(', ')}); the last one counts.`,
      file,
      line: duplicate.lines[duplicate.lines.length - 1] ?? 0,
      key: duplicate.key,
      hint: 'Keep one definition so that nobody edits the one that is ignored.',
    });
  }
}
