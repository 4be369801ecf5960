/**
 * A first start runs initdb with --no-sync and writes the cluster to disk while the server starts:
 * the start does not return before that is done, a failed flush fails it, and the flush owed by a
 * start cut short is done by the next one.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeRuntime, type NativeRuntimeSettings } from '../../src/runtimes/native/native-runtime.js';
import { flushTree } from '../../src/runtimes/native/flush-tree.js';
import { ProcessRunner } from '../../src/process/runner.js';
import { freePort } from '../helpers/real-postgres.js';
import { eventually } from '../helpers/native-processes.js';

const made: string[] = [];
const runtimes: NativeRuntime[] = [];
afterAll(async () => {
  for (const runtime of runtimes) await runtime.stop({ volumes: true });
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

async function postgresOnly(): Promise<{ settings: NativeRuntimeSettings; runtime: (flushCluster: (dir: string) => Promise<void>) => NativeRuntime }> {
  const host = mkdtempSync(path.join(tmpdir(), 'datalayer-flush-host-'));
  made.push(host);
  chmodSync(host, 0o755); // as root, the server user must traverse it
  const settings = {
    stateDir: path.join(host, '.datalayer'),
    postgres: { port: await freePort(), user: 'chainlit', password: 'flush-test-pw-51', database: 'chainlit' },
    s3: { port: await freePort(), accessKey: 'unused', secretKey: 'unused' },
  };
  const runtime = (flushCluster: (dir: string) => Promise<void>) => {
    const made = new NativeRuntime(settings, { runner: new ProcessRunner(), flushCluster, output: { write: () => undefined } });
    runtimes.push(made);
    return made;
  };
  return { settings, runtime };
}

function clusterRecord(settings: NativeRuntimeSettings): { flushed?: boolean } {
  return JSON.parse(readFileSync(path.join(settings.stateDir, 'native', 'state.json'), 'utf8')).cluster;
}

async function answers(settings: NativeRuntimeSettings): Promise<void> {
  const { port, user, password, database } = settings.postgres;
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  await client.connect();
  await client.end();
}

describe('the first start flushes the new cluster while the server starts', () => {
  it('returns only once the flush of the data directory is done, and records it', async () => {
    const { settings, runtime } = await postgresOnly();
    const flushedDirs: string[] = [];
    const events: string[] = [];
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const starting = runtime(async (dir) => {
      flushedDirs.push(dir);
      await flushTree(dir);
      await gate;
      events.push('flush done');
    })
      .start({ services: ['postgres'] })
      .then(() => events.push('start returned'));
    // The flush is held until the server is up and POSTGRES_DB exists: all the rest of the start is done.
    await eventually(() => answers(settings).then(() => true, () => false), 'the server to accept the .env login');
    openGate();
    await starting;
    expect(events).toEqual(['flush done', 'start returned']);
    expect(flushedDirs).toEqual([path.join(settings.stateDir, 'native', 'postgres')]);
    expect(clusterRecord(settings).flushed).toBe(true);
  });

  it('fails when the flush fails, and the next start flushes before it says started; later starts do not', async () => {
    const { settings, runtime } = await postgresOnly();
    const failing = runtime(async () => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    const error = await failing.start({ services: ['postgres'] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: expect.stringMatching(/could not be written to disk: EIO/), hint: expect.stringMatching(/datalayer up/) });
    expect(clusterRecord(settings).flushed).toBe(false);
    await failing.stop({ volumes: false });

    const flushes: string[] = [];
    const recording = runtime(async (dir) => {
      flushes.push(dir);
      await flushTree(dir);
    });
    await recording.start({ services: ['postgres'] });
    expect(flushes).toHaveLength(1);
    expect(clusterRecord(settings).flushed).toBe(true);
    await answers(settings);

    await recording.stop({ volumes: false });
    await recording.start({ services: ['postgres'] });
    expect(flushes).toHaveLength(1);
  });
});
