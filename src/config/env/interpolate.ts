/**
 * Compose's variable interpolation (compose-go `template` package), for `.env` values and for
 * strings of the compose file.
 *
 * Compose matches `$$`, `$NAME`, `${NAME}` and `${NAME<op>...}` with one regular expression whose
 * `(.*)` is greedy: a reference with an operator first stretches to the LAST `}` of its line, then
 * is cut back at the brace that closes it, and the remainder is substituted as ordinary text. The
 * scanner below reproduces that reading without backtracking, so hostile input stays linear
 * (nesting is capped, where Go would recurse without limit).
 */

export type Lookup = (name: string) => string | undefined;

export interface InterpolationIssue {
  kind: 'required' | 'syntax' | 'too-long';
  variable?: string;
  message: string;
}

export interface InterpolationResult {
  value: string;
  issues: InterpolationIssue[];
  /** Names referenced, with or without a default, in order of first appearance. */
  variables: string[];
  /** Names Compose looked up without a fallback and found unset ("defaulting to a blank string"). */
  unset: string[];
}

export type InterpolationOperator = ':-' | '-' | ':+' | '+' | ':?' | '?';

export interface ReferencedVariable {
  name: string;
  /** `${NAME:-x}` or `${NAME-x}`: never needs to be defined. */
  hasDefault: boolean;
  /** `${NAME:?msg}` or `${NAME?msg}`: Compose stops when it is missing. */
  required: boolean;
  operator?: InterpolationOperator;
}

/** Deeper nesting than this is reported instead of followed (real files nest two or three levels). */
export const MAX_INTERPOLATION_NESTING = 16;

/** Compose stops at the first error; a few more help, thousands (hostile input) do not. */
const MAX_REPORTED_ISSUES = 20;

/**
 * How many characters the references of one value may add to it. Real values grow by a user name
 * or a port; `K2=${K1}${K1}` repeated down a file doubles on every line and would take gigabytes
 * (Compose itself would try). Past this the value is refused, not expanded.
 */
export const MAX_VALUE_GROWTH = 64 * 1024;

/** What the references of a whole file (or compose file) may add, all values together. */
export interface ExpansionBudget {
  remaining: number;
}

export function expansionBudget(characters = 1024 * 1024): ExpansionBudget {
  return { remaining: characters };
}

const INVALID_REFERENCE = 'invalid variable reference: "${" must be followed by a name and "}" (write "$$" for a literal "$")';

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNameCharacter(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39);
}

function isOperatorCharacter(code: number): boolean {
  return code === 0x2d || code === 0x2b || code === 0x3f; // - + ?
}

type Reference =
  | { kind: 'escaped'; resume: number }
  | { kind: 'invalid'; resume: number }
  | { kind: 'plain'; name: string; resume: number }
  | { kind: 'operator'; name: string; operator: InterpolationOperator; argumentStart: number; argumentEnd: number; resume: number };

/** Positions of braces and line ends, cached so that repeated questions about one line cost nothing. */
class TemplateText {
  private newlineCache: { from: number; newline: number } | undefined;
  private readonly lastBraceBefore = new Map<number, number>();

  constructor(readonly text: string) {}

  /** Last `}` in [from, end) on the line of `from`, or -1: where Compose's greedy `(.*)}` stops. */
  lastBraceOnLine(from: number, end: number): number {
    const bound = Math.min(end, this.nextNewline(from));
    let found = this.lastBraceBefore.get(bound);
    if (found === undefined) {
      found = -1;
      for (let index = bound - 1; index >= 0; index--) {
        const code = this.text.charCodeAt(index);
        if (code === 0x7d) {
          found = index;
          break;
        }
        if (code === 0x0a) break;
      }
      this.lastBraceBefore.set(bound, found);
    }
    return found >= from ? found : -1;
  }

  private nextNewline(from: number): number {
    const cached = this.newlineCache;
    if (cached && from >= cached.from && from <= cached.newline) return cached.newline;
    const found = this.text.indexOf('\n', from);
    const newline = found === -1 ? this.text.length : found;
    this.newlineCache = { from, newline };
    return newline;
  }

  /** compose-go's brace matcher: counts `{`/`}` from `${`, skipping the character after each `{`. */
  firstClosingBrace(dollar: number, last: number): number {
    let open = 0;
    for (let index = dollar; index <= last; index++) {
      const code = this.text.charCodeAt(index);
      if (code === 0x7d) {
        open--;
        if (open === 0) return index;
      }
      if (code === 0x7b) {
        open++;
        index++;
      }
    }
    return -1;
  }

  /** What Compose's pattern matches at the `$` at `dollar` (within [.., end)), or undefined for a literal `$`. */
  readReference(dollar: number, end: number): Reference | undefined {
    const text = this.text;
    if (dollar + 1 >= end) return undefined;
    const next = text.charCodeAt(dollar + 1);
    if (next === 0x24) return { kind: 'escaped', resume: dollar + 2 };
    if (isNameStart(next)) {
      let index = dollar + 2;
      while (index < end && isNameCharacter(text.charCodeAt(index))) index++;
      return { kind: 'plain', name: text.slice(dollar + 1, index), resume: index };
    }
    if (next !== 0x7b) return undefined;
    const nameStart = dollar + 2;
    if (nameStart >= end || !isNameStart(text.charCodeAt(nameStart))) return { kind: 'invalid', resume: dollar + 2 };
    let nameEnd = nameStart + 1;
    while (nameEnd < end && isNameCharacter(text.charCodeAt(nameEnd))) nameEnd++;
    const name = text.slice(nameStart, nameEnd);
    if (nameEnd < end && text.charCodeAt(nameEnd) === 0x7d) return { kind: 'plain', name, resume: nameEnd + 1 };
    const colon = text.charCodeAt(nameEnd) === 0x3a ? 1 : 0;
    const operatorEnd = nameEnd + colon + 1;
    if (operatorEnd > end || !isOperatorCharacter(text.charCodeAt(nameEnd + colon))) return { kind: 'invalid', resume: dollar + 2 };
    const lastBrace = this.lastBraceOnLine(operatorEnd, end);
    if (lastBrace === -1) return { kind: 'invalid', resume: dollar + 2 };
    const closing = this.firstClosingBrace(dollar, lastBrace);
    const argumentEnd = closing === -1 ? lastBrace : closing;
    return {
      kind: 'operator',
      name,
      operator: text.slice(nameEnd, operatorEnd) as InterpolationOperator,
      argumentStart: operatorEnd,
      argumentEnd,
      resume: argumentEnd + 1,
    };
  }
}

interface Substitution {
  source: TemplateText;
  lookup: Lookup;
  issues: InterpolationIssue[];
  unset: Set<string>;
  /** Characters appended so far, at every depth: a bound on the memory this value takes. */
  produced: number;
  limit: number;
  overflowed: boolean;
}

/** Appends unless the value would outgrow its limit; then it is refused once and nothing more is built. */
function append(run: Substitution, pieces: string[], text: string): void {
  if (run.overflowed || text.length === 0) return;
  run.produced += text.length;
  if (run.produced > run.limit) {
    run.overflowed = true;
    report(run, { kind: 'too-long', message: `its \${...} references expand it past ${run.limit} characters (each one copies the value it names)` });
    return;
  }
  pieces.push(text);
}

function report(run: Substitution, issue: InterpolationIssue): void {
  if (run.issues.length < MAX_REPORTED_ISSUES) run.issues.push(issue);
}

function requiredMessage(name: string, reason: string): string {
  return reason === '' ? `required variable ${name} is missing a value` : `required variable ${name} is missing a value: ${reason}`;
}

function applyOperator(run: Substitution, reference: Extract<Reference, { kind: 'operator' }>, depth: number): string {
  const value = run.lookup(reference.name);
  const argument = (): string => substituteRange(run, reference.argumentStart, reference.argumentEnd, depth + 1);
  switch (reference.operator) {
    case ':-':
      return value === undefined || value === '' ? argument() : value;
    case '-':
      return value === undefined ? argument() : value;
    case ':+':
      return value !== undefined && value !== '' ? argument() : (value ?? '');
    case '+':
      return value !== undefined ? argument() : '';
    case ':?':
    case '?': {
      const missing = value === undefined || (reference.operator === ':?' && value === '');
      if (!missing) return value ?? '';
      report(run, { kind: 'required', variable: reference.name, message: requiredMessage(reference.name, argument()) });
      return '';
    }
  }
}

function substituteRange(run: Substitution, start: number, end: number, depth: number): string {
  if (depth > MAX_INTERPOLATION_NESTING) {
    report(run, { kind: 'syntax', message: `variable references nested more than ${MAX_INTERPOLATION_NESTING} levels deep` });
    return '';
  }
  const text = run.source.text;
  const pieces: string[] = [];
  let copiedUpTo = start;
  for (let index = start; index < end && !run.overflowed; index++) {
    if (text.charCodeAt(index) !== 0x24) continue;
    const reference = run.source.readReference(index, end);
    if (reference === undefined) continue;
    append(run, pieces, text.slice(copiedUpTo, index));
    if (reference.kind === 'escaped') {
      append(run, pieces, '$');
    } else if (reference.kind === 'invalid') {
      report(run, { kind: 'syntax', message: INVALID_REFERENCE });
    } else if (reference.kind === 'plain') {
      const value = run.lookup(reference.name);
      if (value === undefined) run.unset.add(reference.name);
      append(run, pieces, value ?? '');
    } else {
      append(run, pieces, applyOperator(run, reference, depth));
    }
    copiedUpTo = reference.resume;
    index = reference.resume - 1;
  }
  append(run, pieces, text.slice(copiedUpTo, end));
  return run.overflowed ? '' : pieces.join('');
}

/**
 * Substitutes `template` as Compose does; `issues` lists what makes Compose stop (first one wins
 * there), and a value whose references would grow it past its limit (then it is empty). `budget`
 * is shared by the values of one file, and pays for what each adds.
 */
export function interpolate(template: string, lookup: Lookup, budget: ExpansionBudget = expansionBudget()): InterpolationResult {
  if (!template.includes('$')) return { value: template, issues: [], variables: [], unset: [] };
  const growth = Math.max(0, Math.min(MAX_VALUE_GROWTH, budget.remaining));
  const limit = template.length + growth;
  const run: Substitution = { source: new TemplateText(template), lookup, issues: [], unset: new Set(), produced: 0, limit, overflowed: false };
  const value = substituteRange(run, 0, template.length, 0);
  budget.remaining -= Math.max(0, value.length - template.length);
  const variables = [...new Set(referencedVariables(template).map((variable) => variable.name))];
  return { value, issues: run.issues, variables, unset: [...run.unset] };
}

interface ReferenceCollection {
  source: TemplateText;
  found: ReferencedVariable[];
  /** name + operator already listed: a template repeating one reference a million times lists it once. */
  seen: Set<string>;
}

function record(collection: ReferenceCollection, variable: ReferencedVariable): void {
  const identity = `${variable.name}\u0000${variable.operator ?? ''}`;
  if (collection.seen.has(identity)) return;
  collection.seen.add(identity);
  collection.found.push(variable);
}

function collectReferences(collection: ReferenceCollection, start: number, end: number, depth: number): void {
  if (depth > MAX_INTERPOLATION_NESTING) return;
  const { source } = collection;
  for (let index = start; index < end; index++) {
    if (source.text.charCodeAt(index) !== 0x24) continue;
    const reference = source.readReference(index, end);
    if (reference === undefined) continue;
    if (reference.kind === 'plain') record(collection, { name: reference.name, hasDefault: false, required: false });
    if (reference.kind === 'operator') {
      const { name, operator } = reference;
      const required = operator === ':?' || operator === '?';
      record(collection, { name, hasDefault: operator === ':-' || operator === '-', required, operator });
      // Like compose-go's variable listing: names inside defaults count, names inside error messages do not.
      if (!required) collectReferences(collection, reference.argumentStart, reference.argumentEnd, depth + 1);
    }
    index = reference.resume - 1;
  }
}

/** Every variable `template` refers to, in order (duplicates with the same shape removed). */
export function referencedVariables(template: string): ReferencedVariable[] {
  if (!template.includes('$')) return [];
  const collection: ReferenceCollection = { source: new TemplateText(template), found: [], seen: new Set() };
  collectReferences(collection, 0, template.length, 0);
  return collection.found;
}
