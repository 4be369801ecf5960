/**
 * Which PostgreSQL major a server image runs and which one made a data directory. A server opens
 * only a data directory of its own major ("database files are incompatible with server"), so the
 * two are compared before anything starts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type ImageMajor = { major: string } | { unknown: string };

/**
 * The major of a Postgres image from its tag: `postgres:16`, `postgres:17-alpine`, `postgres:16.4`,
 * `pgvector/pgvector:pg16`, `postgis/postgis:16-3.4`. A digest, `latest` or a tag without a
 * version say nothing without pulling the image.
 */
export function imageMajor(image: string): ImageMajor {
  if (image.includes('@')) return { unknown: `${image} is pinned by digest` };
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  const tag = colon < 0 ? 'latest' : name.slice(colon + 1);
  const match = /^(?:pg)?(\d+)(?:\.(\d+))?/.exec(tag);
  if (!match) return { unknown: `the tag "${tag}" of ${image} names no version` };
  const first = Number(match[1]);
  // Before 10, a major was two numbers (9.6); PG_VERSION says it the same way.
  if (first < 10 && match[2] !== undefined) return { major: `${first}.${match[2]}` };
  return { major: String(first) };
}

export type DataDirectoryMajor = { major: string } | { unreadable: string } | undefined;

/** PG_VERSION of a data directory; undefined when there is no initialised data directory. */
export async function dataDirectoryMajor(dataDir: string): Promise<DataDirectoryMajor> {
  try {
    const text = await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8');
    const major = text.trim();
    return /^\d+(\.\d+)?$/.test(major) ? { major } : { unreadable: `its PG_VERSION says "${major.slice(0, 20)}"` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // The postgres image owns its data directory (uid 999, mode 0700): only root reads it from outside.
    if (code === 'EACCES' || code === 'EPERM') return { unreadable: 'it belongs to the container\'s user and this user cannot read it' };
    throw error;
  }
}

/** The major of the native binaries, from their package version (16.14.0-beta.17 → 16). */
export async function nativeBinariesMajor(nativeDir: string): Promise<string | undefined> {
  try {
    const { version } = JSON.parse(await readFile(path.join(path.dirname(nativeDir), 'package.json'), 'utf8')) as { version?: string };
    return /^(\d+)\./.exec(version ?? '')?.[1];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The host directory that holds the data directory of a compose Postgres service: a bind mount of
 * PGDATA (default /var/lib/postgresql/data) or of a directory above it.
 */
export function boundDataDirectory(bindMounts: ReadonlyArray<{ source: string; target: string }>, pgdata = '/var/lib/postgresql/data'): string | undefined {
  const wanted = pgdata.replace(/\/+$/, '');
  for (const mount of bindMounts) {
    const target = mount.target.replace(/\/+$/, '');
    if (target === wanted) return mount.source;
    if (wanted.startsWith(`${target}/`)) return path.join(mount.source, wanted.slice(target.length + 1));
  }
  return undefined;
}
