import { stat } from 'node:fs/promises';
import { readRegularFile } from '../../support/regular-file.js';
import path from 'node:path';
import { expansionBudget, interpolate, referencedVariables, type ExpansionBudget, type Lookup } from '../env/interpolate.js';
import { LineIndex } from './line-index.js';
import { ComposeFileError } from './compose-file-error.js';
import { composeParser, type ComposeParser } from './parse-cache.js';
import { isRecord, readService, scalarText, type ComposeService } from './service.js';

export type { ComposePort, ComposeService } from './service.js';
export { ComposeFileError } from './compose-file-error.js';

/** A variable the compose files reference, where it first appears. */
export interface ComposeVariable {
  name: string;
  hasDefault: boolean;
  required: boolean;
  file: string;
  line?: number;
}

/** Something about a place in one of the compose files. */
export interface ComposeNote {
  message: string;
  file: string;
  line?: number;
}

/** What datalayer needs to know of a compose file (and the files it includes), after Compose-style interpolation. */
export interface ComposeModel {
  file: string;
  directory: string;
  /** The services of the file and of the files it includes. */
  services: ComposeService[];
  /** Every variable referenced anywhere in those files. */
  variables: ComposeVariable[];
  interpolationErrors: ComposeNote[];
  /** What the YAML reader noticed but accepted (it never prints them itself). */
  warnings: ComposeNote[];
  /** The files read through `include:`, absolute. */
  included: string[];
}

const MAX_COMPOSE_BYTES = 1024 * 1024;
/** Compose nests includes without limit; real projects use one level, a loop would never end. */
const MAX_INCLUDE_DEPTH = 8;

/**
 * Reads and interpolates a compose file and what it includes; throws ComposeFileError for what
 * Compose itself would refuse. With `stateDir`, the YAML of files read before with the same text is
 * not parsed again (parse-cache.ts).
 */
export async function readComposeModel(file: string, lookup: Lookup, { stateDir }: { stateDir?: string } = {}): Promise<ComposeModel> {
  const model: ComposeModel = { file, directory: path.dirname(file), services: [], variables: [], interpolationErrors: [], warnings: [], included: [] };
  const parser = composeParser(stateDir);
  await readInto(model, file, { lookup, budget: expansionBudget(), variables: new Map(), chain: [], parser });
  await parser.save();
  return model;
}

interface ReadState {
  lookup: Lookup;
  budget: ExpansionBudget;
  variables: Map<string, ComposeVariable>;
  /** The files that include this one, to refuse a loop. */
  chain: string[];
  parser: ComposeParser;
}

async function readInto(model: ComposeModel, file: string, state: ReadState): Promise<void> {
  const included = file === model.file ? undefined : file;
  const text = await readText(file, included);
  const lines = new LineIndex(text);
  const { root, collectionKeyLines, serviceLines, includeLines } = await state.parser.parse(file, text, lines, included);
  for (const line of collectionKeyLines) {
    model.warnings.push({ message: 'a list or map is used as a mapping key; it is read as its text', file, ...(line === null ? {} : { line }) });
  }
  const hasIncludes = Array.isArray(root.include) && root.include.length > 0;
  if (!isRecord(root.services) && !hasIncludes) throw new ComposeFileError('has no `services:` section (nor `include:`)', undefined, included);

  const resolve = (value: unknown): string => {
    const raw = scalarText(value);
    noteVariables(model, state, raw, file, lines);
    const result = interpolate(raw, state.lookup, state.budget);
    for (const issue of result.issues) {
      const line = issue.variable ? lines.lineOfText(`\${${issue.variable}`) : undefined;
      model.interpolationErrors.push({ message: issue.message, file, ...(line === undefined ? {} : { line }) });
    }
    return result.value;
  };

  if (hasIncludes) await readIncludes(model, file, root.include as unknown[], includeLines, resolve, state);
  if (isRecord(root.services)) {
    const linesOf = new Map(serviceLines);
    for (const [name, body] of Object.entries(root.services)) {
      model.services.push(readService(name, isRecord(body) ? body : {}, file, resolve, linesOf.get(name) ?? { environmentLines: {} }));
    }
  }
}

/** `include:`, short (`- path`) or long (`- path: [a, b]`): paths relative to the including file, read in order. */
async function readIncludes(
  model: ComposeModel,
  file: string,
  entries: unknown[],
  entryLines: Array<number | null>,
  resolve: (value: unknown) => string,
  state: ReadState,
): Promise<void> {
  const chain = [...state.chain, file];
  if (chain.length > MAX_INCLUDE_DEPTH) throw new ComposeFileError(`includes files more than ${MAX_INCLUDE_DEPTH} levels deep`, undefined, file);
  for (const [index, entry] of entries.entries()) {
    const line = entryLines[index] ?? undefined;
    const paths = isRecord(entry) ? (Array.isArray(entry.path) ? entry.path : [entry.path]) : [entry];
    for (const written of paths) {
      const target = path.resolve(path.dirname(file), resolve(written));
      const shown = scalarText(written);
      if (chain.includes(target)) throw new ComposeFileError(`includes ${shown}, which includes this file again`, line, file);
      if (!(await isFile(target))) throw new ComposeFileError(`includes ${shown}, which does not exist`, line, file);
      model.included.push(target);
      await readInto(model, target, { ...state, chain });
    }
  }
}

function noteVariables(model: ComposeModel, state: ReadState, raw: string, file: string, lines: LineIndex): void {
  for (const v of referencedVariables(raw)) {
    const known = state.variables.get(v.name);
    if (known) {
      known.hasDefault = known.hasDefault && v.hasDefault;
      known.required = known.required || v.required;
      continue;
    }
    const line = lines.lineOfText(`\${${v.name}`) ?? lines.lineOfText(`$${v.name}`);
    const variable: ComposeVariable = { name: v.name, hasDefault: v.hasDefault, required: v.required, file, ...(line === undefined ? {} : { line }) };
    state.variables.set(v.name, variable);
    model.variables.push(variable);
  }
}

async function readText(file: string, included: string | undefined): Promise<string> {
  let text: string | undefined;
  try {
    // Only a regular file: a FIFO in its place would never finish reading.
    text = await readRegularFile(file);
  } catch (error) {
    // Unreadable (permissions, a directory or a FIFO swapped in): a configuration problem, not a crash.
    throw new ComposeFileError(`cannot be read: ${error instanceof Error ? error.message : String(error)}`, undefined, included);
  }
  if (text === undefined) throw new ComposeFileError('cannot be read: it does not exist', undefined, included);
  if (text.length > MAX_COMPOSE_BYTES) throw new ComposeFileError('is larger than 1 MiB; this is not a compose file', undefined, included);
  return text;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    // Missing or unreachable: the caller reports the include it could not follow.
    return false;
  }
}
