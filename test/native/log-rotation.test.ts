import { appendFileSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { printLogs, readLastLines } from '../../src/runtimes/native/log-files.js';
import { rotateLog } from '../../src/runtimes/native/log-rotation.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'datalayer-rotation-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');

describe('rotateLog (copy, then truncate: the server keeps its append descriptor)', () => {
  it('leaves a log under the limit alone', async () => {
    const log = path.join(dir, 's3.log');
    writeFileSync(log, lines(0, 10));
    expect(await rotateLog(log, { maxBytes: 1_000, keep: 3 })).toBe(false);
    expect(existsSync(`${log}.1`)).toBe(false);
  });

  it('moves the newest part of a log over the limit to .1, starting at a whole line, and empties the log', async () => {
    const log = path.join(dir, 's3.log');
    writeFileSync(log, lines(0, 1_000));
    expect(await rotateLog(log, { maxBytes: 100, keep: 3 })).toBe(true);
    expect(statSync(log).size).toBe(0);
    const kept = readFileSync(`${log}.1`, 'utf8');
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept.endsWith('line 999\n')).toBe(true);
    expect(kept.startsWith('line ')).toBe(true);
  });

  it('a writer holding an append descriptor goes on at the start of the emptied log, with no hole', async () => {
    const log = path.join(dir, 'postgres.log');
    const writer = openSync(log, 'a');
    try {
      writeSync(writer, lines(0, 500));
      await rotateLog(log, { maxBytes: 100, keep: 3 });
      writeSync(writer, 'after rotation\n');
    } finally {
      closeSync(writer);
    }
    expect(readFileSync(log, 'utf8')).toBe('after rotation\n');
  });

  it('keeps only the newest `keep` rotated files, newest first', async () => {
    const log = path.join(dir, 's3.log');
    for (let round = 0; round < 5; round++) {
      appendFileSync(log, `${`round ${round} a`.padEnd(29)}\n${`round ${round} b`.padEnd(29)}\n`);
      expect(await rotateLog(log, { maxBytes: 50, keep: 3 })).toBe(true);
    }
    expect(existsSync(`${log}.4`)).toBe(false);
    expect(['.1', '.2', '.3'].map((suffix) => readFileSync(`${log}${suffix}`, 'utf8').slice(0, 7))).toEqual(['round 4', 'round 3', 'round 2']);
  });
});

describe('reading rotated logs', () => {
  it('the last lines reach back into the rotated files when the log has fewer', async () => {
    const log = path.join(dir, 's3.log');
    writeFileSync(`${log}.2`, lines(0, 3));
    writeFileSync(`${log}.1`, lines(3, 6));
    writeFileSync(log, lines(6, 8));
    expect(await readLastLines(log, 4)).toEqual(['line 4', 'line 5', 'line 6', 'line 7']);
    expect(await readLastLines(log, 100)).toHaveLength(8);
  });

  it('the whole log is printed oldest first, streamed in pieces at the pace of the reader', async () => {
    const log = path.join(dir, 's3.log');
    writeFileSync(`${log}.1`, lines(0, 5_000));
    writeFileSync(log, `${lines(5_000, 60_000)}no final newline`);
    const written: string[] = [];
    let waits = 0;
    await printLogs([{ name: 's3', file: log }], {}, {
      write: (text) => void written.push(text),
      drained: async () => {
        waits += 1;
      },
    });
    const output = written.join('');
    expect(output.startsWith('line 0\nline 1\n')).toBe(true);
    expect(output.endsWith('line 59999\nno final newline\n')).toBe(true);
    expect(output.split('\n')).toHaveLength(60_002);
    // Never one write for the whole file: it came in chunks, each waiting for the reader.
    expect(Math.max(...written.map((piece) => piece.length))).toBeLessThanOrEqual(64 * 1024 + 100);
    expect(waits).toBeGreaterThan(5);
  });
});
