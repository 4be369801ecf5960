import type { Diagnostic } from '../support/diagnostic.js';
import type { Style } from './style.js';

/** Human form of diagnostics: one block each, where, what, and what to do. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], style: Style): string {
  return diagnostics.map((d) => formatDiagnostic(d, style)).join('\n');
}

function formatDiagnostic(d: Diagnostic, style: Style): string {
  const label =
    d.severity === 'error' ? style.bad('error  ') : d.severity === 'warning' ? style.warn('warning') : style.dim('info   ');
  const where = d.origin === 'shell' ? 'shell environment' : d.file ? `${d.file}${d.line ? `:${d.line}` : ''}` : '';
  const head = [label, style.dim(d.code), where, d.key ? style.bold(d.key) : ''].filter(Boolean).join('  ');
  const lines = [head, `         ${d.message}`];
  if (d.hint) lines.push(`         ${style.dim('hint:')} ${d.hint}`);
  return lines.join('\n');
}
