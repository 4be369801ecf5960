import type { Diagnostic, Severity } from '../../support/diagnostic.js';
import { lineOf, nonEmpty, type HostConfig } from '../host-config.js';

/** Collects diagnostics for one host, pinning each to the env file and the line of its key. */
export class Findings {
  readonly list: Diagnostic[] = [];

  constructor(readonly config: HostConfig) {}

  get values(): Record<string, string> {
    return this.config.values;
  }

  /** A key's value, or undefined when it is absent or blank. */
  value(key: string): string | undefined {
    return nonEmpty(this.config.values[key]);
  }

  /** `lineKey`: where to point when the key itself has no line (a missing key of a group). */
  add(severity: Severity, code: string, key: string | undefined, message: string, hint?: string, lineKey = key): void {
    const entry = lineKey === undefined ? undefined : this.config.resolved.entries.get(lineKey);
    if (entry?.fromShell) {
      // The file's line is not what counts: say where the value does come from.
      const file = this.config.host.envFileLabel;
      this.list.push({
        severity,
        code,
        message: `${message.replace(/\.$/, '')} (${lineKey} is set in the shell environment, which wins over ${file}:${entry.line}).`,
        origin: 'shell',
        ...(key === undefined ? {} : { key }),
        hint: `${hint ? `${hint} ` : ''}Or unset ${lineKey} in the shell to use the value of ${file}.`,
      });
      return;
    }
    const line = lineKey === undefined ? undefined : lineOf(this.config, lineKey);
    this.list.push({
      severity,
      code,
      message,
      file: this.config.host.envFileLabel,
      ...(line === undefined ? {} : { line }),
      ...(key === undefined ? {} : { key }),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  /** A finding about another file (the compose file), with its own location. */
  addElsewhere(diagnostic: Diagnostic): void {
    this.list.push(diagnostic);
  }

  error(code: string, key: string | undefined, message: string, hint?: string): void {
    this.add('error', code, key, message, hint);
  }

  warning(code: string, key: string | undefined, message: string, hint?: string): void {
    this.add('warning', code, key, message, hint);
  }

  info(code: string, key: string | undefined, message: string, hint?: string): void {
    this.add('info', code, key, message, hint);
  }
}
