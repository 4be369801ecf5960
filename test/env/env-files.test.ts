import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/config/env/atomic-write.js';
import { MAX_ENV_FILE_BYTES, readEnvFile } from '../../src/config/env/read-env-file.js';
import { ConfigError } from '../../src/support/errors.js';
import { SEED_ENV } from './fixtures.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'env-files-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

describe('writeFileAtomic', () => {
  it('removes the temporary files that dead writers of the same file left, and keeps those of live ones', async () => {
    const file = path.join(directory, '.env');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = path.join(directory, `..env.${deadPid}.0123456789ab.tmp`);
    const live = path.join(directory, `..env.${process.ppid}.0123456789ab.tmp`);
    const other = path.join(directory, `..other.${deadPid}.0123456789ab.tmp`);
    for (const leftover of [dead, live, other]) await writeFile(leftover, 'CHAINLIT_AUTH_SECRET=left-behind\n');
    await writeFileAtomic(file, SEED_ENV);
    expect(readdirSync(directory).sort()).toEqual(['..env.' + process.ppid + '.0123456789ab.tmp', '..other.' + deadPid + '.0123456789ab.tmp', '.env'].sort());
  });

  it('creates a new file with mode 0600 whatever the umask', async () => {
    const file = path.join(directory, '.env');
    const previous = process.umask(0o000);
    try {
      await writeFileAtomic(file, SEED_ENV);
    } finally {
      process.umask(previous);
    }
    expect(await readFile(file, 'utf8')).toBe(SEED_ENV);
    expect(await modeOf(file)).toBe(0o600);
    expect(readdirSync(directory)).toEqual(['.env']);
  });

  it('uses the requested mode for a new file', async () => {
    const file = path.join(directory, 'shared.env');
    await writeFileAtomic(file, 'A=1\n', { mode: 0o640 });
    expect(await modeOf(file)).toBe(0o640);
  });

  it('keeps the mode of an existing file', async () => {
    const file = path.join(directory, '.env');
    await writeFile(file, 'A=1\n');
    await chmod(file, 0o644);
    await writeFileAtomic(file, 'A=2\n');
    expect(await readFile(file, 'utf8')).toBe('A=2\n');
    expect(await modeOf(file)).toBe(0o644);
  });

  it('leaves the original intact and removes the temporary file when the rename fails', async () => {
    const file = path.join(directory, '.env');
    await writeFile(file, SEED_ENV);
    const renames: string[] = [];
    const failingRename = async (from: string): Promise<void> => {
      renames.push(from);
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    };
    const attempt = writeFileAtomic(file, 'A=broken\n', { fileSystem: { rename: failingRename } });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/Cannot write .*EXDEV/);
    expect(renames).toHaveLength(1);
    expect(path.dirname(renames[0] ?? '')).toBe(directory);
    expect(await readFile(file, 'utf8')).toBe(SEED_ENV);
    expect(readdirSync(directory)).toEqual(['.env']);
  });

  it('refuses a directory target and leaves nothing behind', async () => {
    const target = path.join(directory, '.env');
    await mkdir(target);
    await expect(writeFileAtomic(target, 'A=1\n')).rejects.toThrow(/is a directory/);
    expect((await stat(target)).isDirectory()).toBe(true);
    expect(readdirSync(directory)).toEqual(['.env']);
  });

  it('writes through a symlinked .env, keeping the link', async () => {
    const real = path.join(directory, 'real.env');
    const link = path.join(directory, '.env');
    await writeFile(real, 'A=1\n');
    await symlink(real, link);
    await writeFileAtomic(link, 'A=2\n');
    expect(await readFile(real, 'utf8')).toBe('A=2\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe('readEnvFile', () => {
  it('returns undefined for a missing file', async () => {
    expect(await readEnvFile(path.join(directory, 'missing.env'))).toBeUndefined();
  });

  it('returns the text (BOM included) and its document', async () => {
    const file = path.join(directory, '.env');
    await writeFile(file, `\uFEFF${SEED_ENV}`);
    const content = await readEnvFile(file);
    expect(content?.text).toBe(`\uFEFF${SEED_ENV}`);
    expect(content?.document.bom).toBe(true);
    expect(content?.document.lines.map((line) => line.raw).join('')).toBe(SEED_ENV);
  });

  it('refuses a file over the size limit without decoding or parsing it', async () => {
    const file = path.join(directory, 'huge.env');
    // Not UTF-8: had the bytes been decoded, the error would say so instead of naming the size.
    await writeFile(file, Buffer.alloc(MAX_ENV_FILE_BYTES + 1, 0xff));
    await expect(readEnvFile(file)).rejects.toThrow(ConfigError);
    await expect(readEnvFile(file)).rejects.toThrow(/5 MB/);
  });

  it('honours a smaller limit', async () => {
    const file = path.join(directory, '.env');
    await writeFile(file, 'A=12345\n');
    await expect(readEnvFile(file, { maxBytes: 4 })).rejects.toThrow(/over the 4-byte limit/);
  });

  it('refuses invalid UTF-8 rather than rewrite bytes it cannot represent', async () => {
    const file = path.join(directory, '.env');
    await writeFile(file, Buffer.from([0x41, 0x3d, 0xe9, 0x0a]));
    await expect(readEnvFile(file)).rejects.toThrow(/not valid UTF-8/);
  });

  it('refuses a directory', async () => {
    await expect(readEnvFile(directory)).rejects.toThrow(/is a directory/);
  });
});
