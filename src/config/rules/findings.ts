import type { Diagnostic, Severity } from '../../support/diagnostic.js';
import { lineOf, nonEmpty, type HostConfig } from '../host-config.js';

/** One finding of a rule, before it is pinned to the env file. */
export interface Finding {
  /** A stable identifier, e.g. `ENV_PORT_CONFLICT`. */
  code: string;
  /** The key it is about, if any. */
  key?: string | undefined;
  message: string;
  hint?: string | undefined;
  /** Where to point when the key itself has no line (a missing key of a group); default: `key`. */
  lineKey?: string | undefined;
}

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

  add(finding: Finding & { severity: Severity }): void {
    const { severity, code, key, message, hint, lineKey = key } = finding;
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

  error(finding: Finding): void {
    this.add({ ...finding, severity: 'error' });
  }

  warning(finding: Finding): void {
    this.add({ ...finding, severity: 'warning' });
  }

  info(finding: Finding): void {
    this.add({ ...finding, severity: 'info' });
  }
}
