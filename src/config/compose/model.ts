import { readRegularFile } from '../../support/regular-file.js';
import path from 'node:path';
import { isCollection, parseDocument, visit, type Document } from 'yaml';
import { interpolate, referencedVariables, type Lookup } from '../env/interpolate.js';

/** What datalayer needs to know of a compose file, after Compose-style interpolation. */
export interface ComposeService {
  name: string;
  image?: string;
  /** Declared as `build:` (the fork's data-layer service). */
  builds: boolean;
  ports: ComposePort[];
  /** Bind mounts, sources resolved against the compose file's directory. */
  bindMounts: Array<{ source: string; target: string }>;
  namedVolumes: string[];
  environment: Record<string, string>;
}

export interface ComposePort {
  published?: number;
  target: number;
  /** The text as written, e.g. `${POSTGRES_PORT:-5432}:5432`. */
  raw: string;
  /** The variable that sets the published port, when there is one. */
  variable?: string;
}

export interface ComposeModel {
  file: string;
  directory: string;
  services: ComposeService[];
  /** Every variable referenced anywhere in the file. */
  variables: Array<{ name: string; hasDefault: boolean; required: boolean }>;
  interpolationErrors: string[];
  /** What the YAML reader noticed but accepted (it never prints them itself). */
  warnings: Array<{ message: string; line?: number }>;
}

export class ComposeFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const MAX_COMPOSE_BYTES = 1024 * 1024;

/** Reads and interpolates a compose file; throws ComposeFileError for what Compose itself would refuse. */
export async function readComposeModel(file: string, lookup: Lookup): Promise<ComposeModel> {
  let text: string | undefined;
  try {
    // Only a regular file: a FIFO in its place would never finish reading.
    text = await readRegularFile(file);
  } catch (error) {
    // Unreadable (permissions, a directory or a FIFO swapped in): a configuration problem, not a crash.
    throw new ComposeFileError(`cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text === undefined) throw new ComposeFileError('cannot be read: it does not exist');
  if (text.length > MAX_COMPOSE_BYTES) throw new ComposeFileError('is larger than 1 MiB; this is not a compose file');
  return parseComposeModel(text, file, lookup);
}

export function parseComposeModel(text: string, file: string, lookup: Lookup): ComposeModel {
  // logLevel 'error': yaml would print its warnings on stderr; they become diagnostics instead.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const firstError = document.errors[0];
  if (firstError) {
    throw new ComposeFileError(`is not valid YAML: ${firstError.message.split('\n')[0]}`, lineOf(text, firstError.pos?.[0]));
  }
  const warnings = collectionKeys(document, text);
  let root: unknown;
  try {
    // maxAliasCount refuses alias bombs before they expand.
    root = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb ends here ("Excessive alias count..."): the file was read but is refused.
    throw new ComposeFileError(`is refused: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(root) || !isRecord(root.services)) throw new ComposeFileError('has no `services:` section');

  const variables = new Map<string, { name: string; hasDefault: boolean; required: boolean }>();
  const interpolationErrors: string[] = [];
  const resolve = (value: unknown): string => {
    const raw = scalarText(value);
    for (const v of referencedVariables(raw)) {
      const known = variables.get(v.name);
      variables.set(v.name, {
        name: v.name,
        hasDefault: (known?.hasDefault ?? true) && v.hasDefault,
        required: (known?.required ?? false) || v.required,
      });
    }
    const result = interpolate(raw, lookup);
    for (const issue of result.issues) interpolationErrors.push(issue.message);
    return result.value;
  };

  const directory = path.dirname(file);
  const services = Object.entries(root.services).map(([name, body]) =>
    readService(name, isRecord(body) ? body : {}, directory, resolve),
  );
  return { file, directory, services, variables: [...variables.values()], interpolationErrors, warnings };
}

/**
 * A list or map used as a mapping key: the one thing yaml warns about while converting (it
 * stringifies the key), and not something Compose reads as intended.
 */
function collectionKeys(document: Document, text: string): ComposeModel['warnings'] {
  const found: ComposeModel['warnings'] = [];
  visit(document, {
    Pair(_key, pair) {
      if (!isCollection(pair.key)) return;
      const line = lineOf(text, pair.key.range?.[0]);
      found.push({ message: 'a list or map is used as a mapping key; it is read as its text', ...(line === undefined ? {} : { line }) });
    },
  });
  return found;
}

function readService(
  name: string,
  body: Record<string, unknown>,
  directory: string,
  resolve: (value: unknown) => string,
): ComposeService {
  const ports = asArray(body.ports).map((entry) => readPort(entry, resolve));
  const bindMounts: ComposeService['bindMounts'] = [];
  const namedVolumes: string[] = [];
  for (const entry of asArray(body.volumes)) {
    const mount = readVolume(entry, resolve);
    if (!mount) continue;
    if (/^(\.{1,2}(\/|$)|\/|~)/.test(mount.source)) {
      bindMounts.push({ source: path.resolve(directory, mount.source), target: mount.target });
    } else {
      namedVolumes.push(mount.source);
    }
  }
  const environment: Record<string, string> = {};
  if (Array.isArray(body.environment)) {
    for (const item of body.environment) {
      const [key, ...rest] = resolve(item).split('=');
      if (key) environment[key] = rest.join('=');
    }
  } else if (isRecord(body.environment)) {
    for (const [key, value] of Object.entries(body.environment)) environment[key] = value == null ? '' : resolve(value);
  }
  return {
    name,
    ...(body.image === undefined ? {} : { image: resolve(body.image) }),
    builds: body.build !== undefined,
    ports,
    bindMounts,
    namedVolumes,
    environment,
  };
}

function readPort(entry: unknown, resolve: (value: unknown) => string): ComposePort {
  if (isRecord(entry)) {
    const raw = JSON.stringify(entry);
    const published = entry.published === undefined ? undefined : Number(resolve(entry.published));
    return {
      raw,
      target: Number(resolve(entry.target)),
      ...(published === undefined || Number.isNaN(published) ? {} : { published }),
      ...variableOf(scalarText(entry.published ?? '')),
    };
  }
  const raw = scalarText(entry);
  // [ip:]published:target[/protocol]; the ip may be IPv6 in brackets.
  const parts = resolve(raw).replace(/\/\w+$/, '').replace(/^\[[^\]]*\]:/, '').split(':');
  const target = Number(parts[parts.length - 1]);
  const publishedText = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const published = publishedText === undefined || publishedText === '' ? undefined : Number(publishedText);
  const rawParts = raw.split(':');
  return {
    raw,
    target,
    ...(published === undefined || Number.isNaN(published) ? {} : { published }),
    ...variableOf(rawParts.length >= 2 ? (rawParts[rawParts.length - 2] ?? '') : ''),
  };
}

function variableOf(text: string): { variable?: string } {
  const first = referencedVariables(text)[0];
  return first ? { variable: first.name } : {};
}

function readVolume(entry: unknown, resolve: (value: unknown) => string): { source: string; target: string } | undefined {
  if (isRecord(entry)) {
    if (entry.source === undefined) return undefined;
    return { source: resolve(entry.source), target: resolve(entry.target ?? '') };
  }
  const text = resolve(entry);
  const [source, target] = text.split(':');
  if (!source || target === undefined) return undefined;
  return { source, target };
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value == null ? '' : JSON.stringify(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineOf(text: string, offset: number | undefined): number | undefined {
  if (offset === undefined) return undefined;
  // An error at the very end (an unclosed quote) belongs to the last line, not to the one after it.
  const end = Math.min(offset, text.endsWith('\n') ? text.length - 1 : text.length);
  let line = 1;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
