/**
 * The values Compose ends up with: each entry is interpolated in file order, looking names up in
 * the shell environment first, then in the keys the file defined above it (a forward reference is
 * empty); at the end the shell environment wins over the file.
 */
import { expansionBudget, interpolate, type ExpansionBudget, type Lookup } from './interpolate.js';
import type { EnvDocument, EnvLine } from './parse.js';

export interface ResolvedEntry {
  key: string;
  value: string;
  line: number;
  fromShell: boolean;
}

export interface ResolvedEnvIssue {
  line: number;
  key: string;
  message: string;
  kind: 'required' | 'syntax' | 'too-long';
}

export interface ResolvedEnv {
  /** Final values of the keys the file defines: the shell environment wins over the file, like Compose. */
  values: Record<string, string>;
  /** Per key, the definition that counts (the last one in the file), with its line. */
  entries: Map<string, ResolvedEntry>;
  duplicates: Array<{ key: string; lines: number[] }>;
  /** Interpolation errors Compose stops on, e.g. `${X:?must be set}` with X unset. */
  issues: ResolvedEnvIssue[];
  /** References Compose replaces with a blank string and warns about (`$X` with X set nowhere above). */
  unsetReferences: Array<{ line: number; key: string; variable: string }>;
  /** What Compose uses to interpolate the compose file: the shell first, then these values. */
  lookup: Lookup;
}

type ShellEnvironment = Record<string, string | undefined>;

function shellValue(shellEnv: ShellEnvironment, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(shellEnv, name) ? shellEnv[name] : undefined;
}

/** The file's own value for one entry, or undefined when a bare `KEY` finds nothing to inherit. */
function entryFileValue(line: EnvLine, lookup: Lookup, resolved: ResolvedEnv, budget: ExpansionBudget): string | undefined {
  const key = line.key ?? '';
  if (line.inherited) return lookup(key);
  if (line.quote === 'single') return line.value ?? '';
  const result = interpolate(line.value ?? '', lookup, budget);
  for (const issue of result.issues) resolved.issues.push({ line: line.line, key, message: issue.message, kind: issue.kind });
  for (const variable of result.unset) resolved.unsetReferences.push({ line: line.line, key, variable });
  return result.value;
}

export function resolveEnvDocument(doc: EnvDocument, shellEnv: ShellEnvironment): ResolvedEnv {
  const fileValues = new Map<string, string>();
  const definitionLines = new Map<string, number[]>();
  const lookup: Lookup = (name) => shellValue(shellEnv, name) ?? fileValues.get(name);
  // No prototype: a key such as `__proto__` must stay an ordinary key.
  const values = Object.create(null) as Record<string, string>;
  const resolved: ResolvedEnv = { values, entries: new Map(), duplicates: [], issues: [], unsetReferences: [], lookup };
  // One budget for the file: many lines each copying a large value cannot add up to gigabytes either.
  const budget = expansionBudget();

  for (const line of doc.lines) {
    if (line.kind !== 'entry' || line.key === undefined) continue;
    const key = line.key;
    const lines = definitionLines.get(key);
    if (lines) lines.push(line.line);
    else definitionLines.set(key, [line.line]);
    const value = entryFileValue(line, lookup, resolved, budget);
    if (value === undefined) continue;
    fileValues.set(key, value);
    resolved.entries.set(key, { key, value, line: line.line, fromShell: false });
  }

  for (const [key, entry] of resolved.entries) {
    const fromShell = shellValue(shellEnv, key);
    if (fromShell !== undefined) resolved.entries.set(key, { ...entry, value: fromShell, fromShell: true });
    resolved.values[key] = fromShell ?? entry.value;
  }
  for (const [key, lines] of definitionLines) {
    if (lines.length > 1) resolved.duplicates.push({ key, lines });
  }
  return resolved;
}
