/**
 * Compose files, parsed once per content. Loading and running the YAML parser is a large part of
 * every command's start; the compose file rarely changes between two commands. The last parse of
 * each file is kept in `.datalayer/` beside its exact text: it is used only when the text read now
 * is the same, character for character, so an edited file is always parsed again. Only files whose
 * value is plain JSON are kept (a `.inf` or a YAML 1.1 timestamp would not come back the same).
 *
 * The cache is an optimisation and nothing more: a missing, damaged or foreign cache file, or a
 * project where it cannot be written, only means the YAML is parsed as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LineIndex } from './line-index.js';
import type { ParsedCompose } from './parsed-yaml.js';

const CACHE_FILE = 'compose-cache.json';
/** Bumped whenever ParsedCompose or the parsing changes meaning, so an older cache is ignored. */
const FORMAT = 1;

interface Entry {
  text: string;
  parsed: ParsedCompose;
}

export interface ComposeParser {
  parse(file: string, text: string, lines: LineIndex, included: string | undefined): Promise<ParsedCompose>;
  /** Keeps what this run parsed, for the next one, in a project where a stack was started. */
  save(): Promise<void>;
}

/** A parser that keeps its results in `stateDir`; without one, every file is parsed. */
export function composeParser(stateDir: string | undefined): ComposeParser {
  const previous = stateDir ? readCache(path.join(stateDir, CACHE_FILE)) : new Map<string, Entry>();
  const used = new Map<string, Entry>();
  let parsedNow = false;
  return {
    async parse(file, text, lines, included) {
      const kept = previous.get(file);
      if (kept && kept.text === text) {
        used.set(file, kept);
        return kept.parsed;
      }
      const { parseComposeYaml } = await import('./parsed-yaml.js');
      const parsed = parseComposeYaml(text, lines, included);
      if (isPlainJson(parsed.root)) {
        used.set(file, { text, parsed });
        parsedNow = true;
      }
      return parsed;
    },
    async save() {
      // Only where `up` made `.datalayer/` its own (the runtime record of runtime-record.ts is
      // there): reading a project never creates or fills its state directory.
      if (!stateDir || !parsedNow || !existsSync(path.join(stateDir, 'runtime.json'))) return;
      await writeCache(stateDir, { format: FORMAT, entries: [...used] });
    },
  };
}

function readCache(file: string): Map<string, Entry> {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // No cache yet, or one that is not JSON (cut short, edited): the files are parsed again.
    if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code !== undefined) return new Map();
    throw error;
  }
  const cache = content as { format?: unknown; entries?: unknown };
  if (cache?.format !== FORMAT || !Array.isArray(cache.entries)) return new Map();
  return new Map(cache.entries.filter(isEntry));
}

function isEntry(value: unknown): value is [string, Entry] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') return false;
  const entry = value[1] as Partial<Entry> | null;
  const parsed = entry?.parsed as Partial<ParsedCompose> | undefined;
  return (
    typeof entry?.text === 'string' &&
    typeof parsed?.root === 'object' &&
    parsed.root !== null &&
    Array.isArray(parsed.collectionKeyLines) &&
    Array.isArray(parsed.serviceLines) &&
    Array.isArray(parsed.includeLines)
  );
}

async function writeCache(stateDir: string, cache: { format: number; entries: Array<[string, Entry]> }): Promise<void> {
  const file = path.join(stateDir, CACHE_FILE);
  const [{ writeFileAtomic }, { keepProjectOwner }] = await Promise.all([import('../env/atomic-write.js'), import('../../support/project-owner.js')]);
  try {
    await writeFileAtomic(file, `${JSON.stringify(cache)}\n`, { mode: 0o600 });
    await keepProjectOwner(stateDir, file);
  } catch (error) {
    // A read-only checkout, a full disk, `.datalayer/` removed meanwhile by `down --volumes`:
    // the next run parses the YAML again, which is all a missing cache costs.
    if (!(error instanceof Error)) throw error;
  }
}

/** Deeper than any compose file: a document nested further is parsed again each time rather than walked. */
const MAX_DEPTH = 64;

/**
 * Values that JSON.stringify and JSON.parse give back unchanged. YAML can make what JSON cannot: a
 * document that contains itself through an alias (`<<: *self`), numbers JSON has no word for, dates.
 */
export function isPlainJson(value: unknown, ancestors: Set<object> = new Set(), depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || depth > MAX_DEPTH || ancestors.has(value)) return false;
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return false;
  ancestors.add(value);
  const items: unknown[] = Array.isArray(value) ? value : Object.values(value);
  const plain = items.every((item) => item !== undefined && isPlainJson(item, ancestors, depth + 1));
  ancestors.delete(value);
  return plain;
}
