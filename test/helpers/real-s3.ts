import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, listen } from './http-server.js';
import { createS3Server } from '../../src/runtimes/native/s3-server/server.js';

/**
 * A real S3-compatible server on 127.0.0.1, on a free port, knowing one key pair: the native
 * runtime's own server, in this process. It checks SigV4 (and SigV2) signatures like S3: a wrong
 * secret gets SignatureDoesNotMatch, an unknown key id InvalidAccessKeyId.
 */
export interface RealS3 {
  port: number;
  endpoint: string;
  /** The server's data directory. */
  directory: string;
  /** Its log lines so far. */
  logLines: string[];
  stop(): Promise<void>;
}

export interface RealS3Options {
  accessKey: string;
  secretKey: string;
}

export async function startRealS3(options: RealS3Options): Promise<RealS3> {
  const directory = await mkdtemp(join(tmpdir(), 'datalayer-s3-'));
  const logLines: string[] = [];
  const server = await createS3Server({
    directory,
    keys: { accessKeyId: options.accessKey, secretAccessKey: options.secretKey },
    log: (line) => logLines.push(line),
  });
  const port = await listen(server);
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    logLines,
    async stop() {
      await closeServer(server);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
