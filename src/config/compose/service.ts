/** One service of a compose file, as datalayer needs it: image, ports, mounts, environment, and their lines. */
import path from 'node:path';
import { referencedVariables } from '../env/interpolate.js';

export interface ComposeService {
  name: string;
  /** The compose file that declares it (the main file, or one it includes). */
  file: string;
  /** Line of the service's key in that file. */
  line?: number;
  image?: string;
  imageLine?: number;
  /** Declared as `build:` (the fork's data-layer service). */
  builds: boolean;
  ports: ComposePort[];
  /** Bind mounts, sources resolved against the compose file's directory. */
  bindMounts: Array<{ source: string; target: string }>;
  namedVolumes: string[];
  environment: Record<string, string>;
  /** Line of each `environment` entry. */
  environmentLines: Record<string, number>;
  /** Services this one needs started first (`depends_on`, list or map form). */
  dependsOn: string[];
}

export interface ComposePort {
  published?: number;
  target: number;
  /** The text as written, e.g. `${POSTGRES_PORT:-5432}:5432`. */
  raw: string;
  /** The variable that sets the published port, when there is one. */
  variable?: string;
}

export type Resolve = (value: unknown) => string;

/** Where a service's parts are written: read from the YAML nodes, for diagnostics. */
export interface ServiceLines {
  line?: number;
  imageLine?: number;
  environmentLines: Record<string, number>;
}

export function readService(name: string, body: Record<string, unknown>, file: string, resolve: Resolve, lines: ServiceLines): ComposeService {
  const directory = path.dirname(file);
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
    file,
    ...(lines.line === undefined ? {} : { line: lines.line }),
    ...(body.image === undefined ? {} : { image: resolve(body.image) }),
    ...(lines.imageLine === undefined ? {} : { imageLine: lines.imageLine }),
    builds: body.build !== undefined,
    ports,
    bindMounts,
    namedVolumes,
    environment,
    environmentLines: lines.environmentLines,
    dependsOn: Array.isArray(body.depends_on) ? body.depends_on.map(scalarText) : isRecord(body.depends_on) ? Object.keys(body.depends_on) : [],
  };
}

function readPort(entry: unknown, resolve: Resolve): ComposePort {
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

function readVolume(entry: unknown, resolve: Resolve): { source: string; target: string } | undefined {
  if (isRecord(entry)) {
    if (entry.source === undefined) return undefined;
    return { source: resolve(entry.source), target: resolve(entry.target ?? '') };
  }
  const text = resolve(entry);
  const [source, target] = text.split(':');
  if (!source || target === undefined) return undefined;
  return { source, target };
}

export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value == null ? '' : JSON.stringify(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
