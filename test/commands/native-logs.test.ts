import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry } from '../helpers/cli.js';
import { makeNativeProject } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';

const MARKER = 'the last line of a very large log';

/** Appends about `megabytes` MB of plain lines, then the marker line. */
function growLog(file: string, megabytes: number): void {
  const block = `${'x'.repeat(99)}\n`.repeat(10_000);
  const descriptor = openSync(file, 'a');
  try {
    for (let written = 0; written < megabytes * 1024 * 1024; written += block.length) writeSync(descriptor, block);
    writeSync(descriptor, `${MARKER}\n`);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * `logs` streams a log of any size (it used to read it whole into one string: exit 1 on 600 MB),
 * and the native logs are rotated once over 10 MB (three older files kept), while the servers run.
 */
describe('native logs: streamed whatever their size, and rotated', () => {
  let native: NativeHost;
  const s3Log = () => path.join(native.stateDir, 'logs', 's3.log');

  beforeAll(async () => {
    native = await makeNativeProject('logs', { inProcess: true });
    const up = await native.cli(['up']);
    expect(up.exitCode, up.stderr).toBe(0);
  });

  afterAll(async () => {
    if (native) await native.cleanup();
  });

  it('logs prints a log several times larger than the memory it may use, whole, at the pace of its reader', async () => {
    growLog(s3Log(), 120);
    const child = execa(process.execPath, ['--max-old-space-size=48', cliEntry, 'logs', 's3'], {
      cwd: native.host.dir,
      env: { CI: 'true', ...native.env },
      reject: false,
      buffer: false,
      stdin: 'ignore',
    });
    let bytes = 0;
    let tail = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString()).slice(-200);
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const result = await child;
    expect(result.exitCode, stderr).toBe(0);
    expect(bytes).toBeGreaterThanOrEqual(statSync(s3Log()).size);
    expect(tail.endsWith(`${MARKER}\n`)).toBe(true);
  });

  it('a log over 10 MB is rotated while its server runs: the newest part goes to .1, the server writes on at the start of the log', async () => {
    const before = statSync(s3Log()).size;
    expect(before).toBeGreaterThan(10 * 1024 * 1024);
    // status looks at the services (rotating what is over the limit), then asks S3 for the bucket.
    const status = await native.cli(['status']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    const rotated = readFileSync(`${s3Log()}.1`, 'utf8');
    expect(rotated.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(rotated.endsWith(`${MARKER}\n`)).toBe(true);
    const current = readFileSync(s3Log(), 'utf8');
    expect(current.length).toBeLessThan(64 * 1024);
    // The bucket check of status was logged after the rotation, at the start: no hole of NUL bytes.
    expect(current).toMatch(/^\d{4}-\d\d-\d\dT\S+ (GET|HEAD) \/chainlit-files/);
    expect(current.includes('\0')).toBe(false);
    const last = await native.cli(['logs', '-n', '2', 's3']);
    expect(last.stdout).toMatch(/(GET|HEAD) \/chainlit-files/);
  });

  it('keeps three rotated files at most', async () => {
    for (let round = 0; round < 4; round++) {
      growLog(s3Log(), 11);
      const status = await native.cli(['status']);
      expect(status.exitCode, status.stderr).toBe(0);
    }
    const present = ['s3.log', 's3.log.1', 's3.log.2', 's3.log.3', 's3.log.4'].map((name) => existsSync(path.join(native.stateDir, 'logs', name)));
    expect(present).toEqual([true, true, true, true, false]);
  });
});
