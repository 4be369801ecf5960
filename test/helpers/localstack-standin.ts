import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';
import { freePort } from './real-postgres.js';

/** The LocalStack stand-in that the engine set-up bakes into an image, run here as a plain process. */
export const standinEntry = path.join(repoRoot, 'test', 'engine', 'images', 'localstack', 'localstack.mjs');

/** The fork's init script, in our words: bucket my-bucket in eu-central-1, then Chainlit's CORS rules from a file. */
export const FORK_LIKE_INIT_SCRIPT = `#!/bin/bash
awslocal s3api \\
    create-bucket --bucket my-bucket \\
    --create-bucket-configuration LocationConstraint=eu-central-1 \\
    --region eu-central-1
echo '{"CORSRules":[{"AllowedHeaders":["*"],"AllowedMethods":["GET","POST","PUT"],"AllowedOrigins":["*"],"ExposeHeaders":["ETag"]}]}' > cors.json
awslocal s3api put-bucket-cors --bucket my-bucket --cors-configuration file://cors.json
`;

export interface StandinProcess {
  endpoint: string;
  port: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StandinOptions {
  /** ready.d scripts: name → text; mode 0755 unless listed in `notExecutable`. */
  readyScripts?: Record<string, string>;
  notExecutable?: string[];
  env?: Record<string, string>;
  /** Resolve once the process has started (default: once it says "Ready."). */
  waitForReady?: boolean;
}

/** Starts the stand-in on a free loopback port with its own init directory and working directory. */
export async function startStandin(options: StandinOptions = {}): Promise<StandinProcess> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'datalayer-standin-'));
  const readyDir = path.join(root, 'init', 'ready.d');
  mkdirSync(readyDir, { recursive: true });
  mkdirSync(path.join(root, 'work'));
  for (const [name, text] of Object.entries(options.readyScripts ?? {})) {
    const file = path.join(readyDir, name);
    writeFileSync(file, text);
    chmodSync(file, options.notExecutable?.includes(name) ? 0o644 : 0o755);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [standinEntry], {
    env: {
      ...process.env,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      STANDIN_INIT_ROOT: path.join(root, 'init'),
      STANDIN_WORKDIR: path.join(root, 'work'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Ready\.\n/.test(output)) resolve();
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    void exited.then((code) => reject(new Error(`the stand-in exited with code ${code} before it was ready:\n${output}`)));
  });
  if (options.waitForReady !== false) await ready;
  else ready.catch(() => undefined); // the caller watches `exited` instead
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
