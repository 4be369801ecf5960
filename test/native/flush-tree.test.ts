/** flushTree: what initdb --no-sync leaves unflushed is written to disk, files before their directories. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flushTree, fsyncPath } from '../../src/runtimes/native/flush-tree.js';

let scratch: string;
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A small cluster-like tree, and a file outside it that a symbolic link inside points to. */
function makeTree(): { root: string; outside: string } {
  scratch = mkdtempSync(path.join(tmpdir(), 'datalayer-flush-'));
  const root = path.join(scratch, 'data');
  for (const dir of ['base/1', 'base/5', 'global', 'pg_wal/archive_status']) mkdirSync(path.join(root, dir), { recursive: true });
  for (const file of ['PG_VERSION', 'base/1/1259', 'base/1/2608', 'base/5/1259', 'global/pg_control', 'pg_wal/000000010000000000000001']) {
    writeFileSync(path.join(root, file), file);
  }
  const outside = path.join(scratch, 'elsewhere');
  writeFileSync(outside, 'not part of the cluster');
  mkdirSync(path.join(root, 'pg_tblspc'));
  symlinkSync(outside, path.join(root, 'pg_tblspc', '16384'));
  return { root, outside };
}

describe('flushTree', () => {
  it('flushes every file, each directory after what it holds, then the tree in its parent; links are not followed', async () => {
    const { root, outside } = makeTree();
    const flushed: string[] = [];
    await flushTree(root, async (file) => {
      await fsyncPath(file);
      flushed.push(path.relative(scratch, file));
    });
    const files = ['PG_VERSION', 'base/1/1259', 'base/1/2608', 'base/5/1259', 'global/pg_control', 'pg_wal/000000010000000000000001'];
    const directories = ['', 'base', 'base/1', 'base/5', 'global', 'pg_wal', 'pg_wal/archive_status', 'pg_tblspc'];
    const inTree = (name: string) => path.join('data', name).replace(/[\\/]$/, '');
    expect([...flushed].sort()).toEqual(['', ...files.map(inTree), ...directories.map(inTree)].sort());
    expect(flushed).not.toContain(path.relative(scratch, outside));
    expect(flushed).not.toContain(inTree('pg_tblspc/16384'));
    // Each directory comes after everything under it, and the parent's entry last of all.
    for (const [index, entry] of flushed.entries()) {
      const later = flushed.slice(index + 1);
      expect(later.filter((other) => other !== '' && entry.startsWith(`${other}${path.sep}`)).length, `${entry} before its directories`).toBe(
        entry.split(path.sep).length - 1,
      );
    }
    expect(flushed.at(-1)).toBe('');
  });

  it('skips a file the server removed meanwhile', async () => {
    const { root } = makeTree();
    const removed = path.join(root, 'base', '1', '2608');
    const flushed: string[] = [];
    await flushTree(root, async (file) => {
      if (file === removed) rmSync(removed);
      await fsyncPath(file);
      flushed.push(file);
    });
    expect(flushed).not.toContain(removed);
    expect(flushed).toContain(path.join(root, 'global', 'pg_control'));
  });

  it('fails with the error of a file that could not be flushed', async () => {
    const { root } = makeTree();
    const failing = path.join(root, 'global', 'pg_control');
    const error = await flushTree(root, async (file) => {
      if (file === failing) throw Object.assign(new Error(`EIO: i/o error, fsync '${file}'`), { code: 'EIO' });
      await fsyncPath(file);
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'EIO', message: expect.stringContaining('pg_control') });
  });

  it('flushes a real tree through node:fs without error', async () => {
    const { root } = makeTree();
    await expect(flushTree(root)).resolves.toBeUndefined();
  });
});
