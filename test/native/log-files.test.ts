import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { ExitCode } from '../../src/support/errors.js';
import { printLogs, readLastLines } from '../../src/runtimes/native/log-files.js';
import { NativeRuntime } from '../../src/runtimes/native/native-runtime.js';
import { ProcessRunner } from '../../src/process/runner.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'datalayer-logs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function collector(): { text: () => string; write: (chunk: string) => void } {
  let text = '';
  return { text: () => text, write: (chunk) => void (text += chunk) };
}

describe('readLastLines', () => {
  it.each([
    ['a\nb\nc\n', 2, ['b', 'c']],
    ['a\nb\nc', 2, ['b', 'c']],
    ['a\nb\n', 5, ['a', 'b']],
    ['', 3, []],
    ['only\n', 0, []],
  ])('%j, last %i', async (content, count, expected) => {
    const file = path.join(dir, 'x.log');
    await writeFile(file, content);
    expect(await readLastLines(file, count)).toEqual(expected);
  });

  it('returns nothing for a file that does not exist', async () => {
    expect(await readLastLines(path.join(dir, 'missing.log'), 5)).toEqual([]);
  });

  it('reads across chunk boundaries without breaking characters', async () => {
    const file = path.join(dir, 'big.log');
    const lines = Array.from({ length: 20_000 }, (_, index) => `line ${index} é€`);
    await writeFile(file, `${lines.join('\n')}\n`);
    expect(await readLastLines(file, 9_000)).toEqual(lines.slice(-9_000));
  });
});

describe('printLogs', () => {
  it('prefixes lines with the service name when several are shown, and tails each', async () => {
    await writeFile(path.join(dir, 'postgres.log'), 'p1\np2\np3\n');
    await writeFile(path.join(dir, 's3.log'), 's1\n');
    const output = collector();
    const sources = [
      { name: 'postgres', file: path.join(dir, 'postgres.log') },
      { name: 's3', file: path.join(dir, 's3.log') },
    ];
    await printLogs(sources, { tail: 2 }, output);
    expect(output.text()).toBe('postgres | p2\npostgres | p3\ns3       | s1\n');
  });

  it('prints one service without prefix', async () => {
    await writeFile(path.join(dir, 's3.log'), 'a\nb\n');
    const output = collector();
    await printLogs([{ name: 's3', file: path.join(dir, 's3.log') }], {}, output);
    expect(output.text()).toBe('a\nb\n');
  });

  it('follows new whole lines until aborted, and rereads a truncated file', async () => {
    const file = path.join(dir, 'postgres.log');
    await writeFile(file, 'old\n');
    const output = collector();
    const controller = new AbortController();
    const following = printLogs([{ name: 'postgres', file }], { follow: true, signal: controller.signal, pollMs: 20 }, output);
    await until(() => output.text() === 'old\n');
    await appendFile(file, 'new 1\nnew');
    await until(() => output.text() === 'old\nnew 1\n');
    await appendFile(file, ' 2\n');
    await until(() => output.text() === 'old\nnew 1\nnew 2\n');
    await writeFile(file, 'fresh\n');
    await until(() => output.text().endsWith('fresh\n'));
    controller.abort();
    await following;
    expect(output.text()).toBe('old\nnew 1\nnew 2\nfresh\n');
  });
});

describe('the native runtime without running services', () => {
  function runtimeIn(stateDir: string, output: { write: (chunk: string) => void }): NativeRuntime {
    return new NativeRuntime(
      {
        stateDir,
        postgres: { port: 5432, user: 'root', password: 'root', database: 'postgres' },
        s3: { port: 4566, accessKey: 'key', secretKey: 'secret' },
      },
      { runner: new ProcessRunner(), output },
    );
  }

  it('prints the logs of services named as roles or compose services', async () => {
    const stateDir = path.join(dir, '.datalayer');
    await mkdir(path.join(stateDir, 'logs'), { recursive: true });
    await writeFile(path.join(stateDir, 'logs', 's3.log'), 'first\nlast\n');
    const output = collector();
    const runtime = runtimeIn(stateDir, output);
    expect(await runtime.streamLogs(['localstack'], { tail: 1 })).toBe(0);
    expect(output.text()).toBe('last\n');
    expect(await runtime.lastLogLines('s3', 5)).toEqual(['first', 'last']);
    await expect(runtime.streamLogs(['redis'], {})).rejects.toMatchObject({ exitCode: ExitCode.usage });
  });

  it('reports both services missing without writing anything', async () => {
    const stateDir = path.join(dir, '.datalayer');
    const runtime = runtimeIn(stateDir, collector());
    expect(await runtime.services()).toEqual([
      { name: 'postgres', role: 'postgres', state: 'missing', health: '', ports: [] },
      { name: 's3', role: 's3', state: 'missing', health: '', ports: [] },
    ]);
    expect(await runtime.stop({ volumes: false })).toEqual({ deleted: [] });
    expect(existsSync(stateDir)).toBe(false);
  });
});

async function until(condition: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
