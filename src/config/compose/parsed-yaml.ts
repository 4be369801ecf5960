/**
 * The YAML side of reading a compose file, and the only module that loads the yaml library: what
 * the rest of datalayer needs from the document (its plain value, and the lines diagnostics point
 * at) is taken out here as plain data, which parse-cache.ts can keep between runs.
 */
import { isCollection, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Pair } from 'yaml';
import { ComposeFileError } from './compose-file-error.js';
import type { LineIndex } from './line-index.js';
import type { ServiceLines } from './service.js';

/** A compose file's YAML as plain data: JSON in, JSON out, whenever its value is plain JSON. */
export interface ParsedCompose {
  root: Record<string, unknown>;
  /** Where a list or map is used as a mapping key (yaml reads it as its text). */
  collectionKeyLines: Array<number | null>;
  /** Each service's lines, by service name, in document order (a list: a name may be `__proto__`). */
  serviceLines: Array<[string, ServiceLines]>;
  /** The line of each `include:` entry, by position. */
  includeLines: Array<number | null>;
}

/** Parses one compose file; throws ComposeFileError for what Compose itself would refuse. */
export function parseComposeYaml(text: string, lines: LineIndex, included: string | undefined): ParsedCompose {
  const { document, root } = parseDocumentOf(text, lines, included);
  const services: Array<[string, ServiceLines]> = [];
  for (const [name, pair] of serviceNodes(document)) services.push([name, serviceLines(pair, lines)]);
  const include = document.get('include', true);
  const includeLines = isSeq(include) ? include.items.map((item) => (isScalar(item) || isMap(item) ? (lines.lineAt(item.range?.[0]) ?? null) : null)) : [];
  return { root, collectionKeyLines: collectionKeyLines(document, lines), serviceLines: services, includeLines };
}

function parseDocumentOf(text: string, lines: LineIndex, included: string | undefined): { document: Document; root: Record<string, unknown> } {
  // logLevel 'error': yaml would print its warnings on stderr; they become diagnostics instead.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const firstError = document.errors[0];
  if (firstError) {
    throw new ComposeFileError(`is not valid YAML: ${firstError.message.split('\n')[0]}`, lines.lineAt(firstError.pos?.[0]), included);
  }
  let root: unknown;
  try {
    // maxAliasCount refuses alias bombs before they expand.
    root = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb ends here ("Excessive alias count..."): the file was read but is refused.
    throw new ComposeFileError(`is refused: ${error instanceof Error ? error.message : String(error)}`, undefined, included);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new ComposeFileError('has no `services:` section (nor `include:`)', undefined, included);
  return { document, root: root as Record<string, unknown> };
}

/**
 * A list or map used as a mapping key: the one thing yaml warns about while converting (it
 * stringifies the key), and not something Compose reads as intended.
 */
function collectionKeyLines(document: Document, lines: LineIndex): Array<number | null> {
  const found: Array<number | null> = [];
  visit(document, {
    Pair(_key, pair) {
      if (isCollection(pair.key)) found.push(lines.lineAt(pair.key.range?.[0]) ?? null);
    },
  });
  return found;
}

/** Each service's key/value pair in the YAML document, by name (one pass, however many services). */
function serviceNodes(document: Document): Map<string, Pair> {
  const services = document.get('services', true);
  const found = new Map<string, Pair>();
  if (!isMap(services)) return found;
  for (const item of services.items) {
    if (isScalar(item.key) && !found.has(String(item.key.value))) found.set(String(item.key.value), item);
  }
  return found;
}

function serviceLines(pair: Pair | undefined, lines: LineIndex): ServiceLines {
  const body = pair?.value;
  const found: ServiceLines = { environmentLines: {} };
  const keyLine = lines.lineAt(isScalar(pair?.key) ? pair.key.range?.[0] : undefined);
  if (keyLine !== undefined) found.line = keyLine;
  if (!isMap(body)) return found;
  const image = body.get('image', true);
  const imageLine = lines.lineAt(isScalar(image) ? image.range?.[0] : undefined);
  if (imageLine !== undefined) found.imageLine = imageLine;
  const environment = body.get('environment', true);
  if (isSeq(environment)) {
    for (const item of environment.items) {
      if (!isScalar(item)) continue;
      const key = String(item.value).split('=')[0] ?? '';
      const line = lines.lineAt(item.range?.[0]);
      if (key && line !== undefined) found.environmentLines[key] = line;
    }
  } else if (isMap(environment)) {
    for (const item of environment.items) {
      if (!isScalar(item.key)) continue;
      const line = lines.lineAt(item.key.range?.[0]);
      if (line !== undefined) found.environmentLines[String(item.key.value)] = line;
    }
  }
  return found;
}

