import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Server } from '../../src/runtimes/native/s3-server/server.js';
import { freePort } from '../helpers/no-docker-env.js';

describe('S3 server start', () => {
  const servers: Server[] = [];
  const directories: string[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('a second server on the same directory fails on the taken port before touching the first one\'s uploads', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'datalayer-s3-start-'));
    directories.push(directory);
    const port = await freePort();
    const options = { directory, keys: { accessKeyId: 'AKIASTART', secretAccessKey: 'start-secret' }, log: () => {}, listen: { port, host: '127.0.0.1' } };
    servers.push(await createS3Server(options));
    const inFlight = path.join(directory, 'tmp', 'upload-in-progress');
    await writeFile(inFlight, 'half an upload');
    await expect(createS3Server(options)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(existsSync(inFlight)).toBe(true);
  });
});
