import { readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { makeNativeHost, type NativeHost, type NativeHostOptions } from '../reliability/native-host.js';

/**
 * "No Docker" for a test without touching PATH (Docker may live in /usr/bin beside setpriv and id):
 * a DOCKER_HOST socket that does not exist, so no engine answers.
 */
export function noDockerEnv(scratchDir: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', DOCKER_HOST: `unix://${path.join(scratchDir, 'no-docker.sock')}` };
}

/** A native host whose CLI runs with the normal PATH and a Docker that does not answer. */
export async function makeNativeProject(tag: string, options: NativeHostOptions = {}): Promise<NativeHost> {
  const native = await makeNativeHost(tag, options);
  Object.assign(native.env, noDockerEnv(path.dirname(native.host.dir)));
  return native;
}

function readLink(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch (error) {
    // The process ended while we looked, or belongs to a user we may not inspect: it names nothing.
    if (['ENOENT', 'ESRCH', 'EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

/**
 * Live processes working inside `dir` (their current directory is in it): the servers datalayer
 * started there, and anything else a test put there. Zombies have no current directory.
 */
export function processesWorkingIn(dir: string): number[] {
  const prefix = `${dir}${path.sep}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const cwd = readLink(`/proc/${pid}/cwd`);
      return cwd !== undefined && (cwd === dir || cwd.startsWith(prefix));
    });
}

/** Whether a pid is a live process that is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    statSync(`/proc/${pid}/cwd`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * A user's long-running process that names a path of the project on its command line and works
 * inside it (a backup: `cd .datalayer/native/s3 && tar cf - /abs/.datalayer/native/s3 | ...`).
 */
export interface Bystander {
  pid: number;
  alive(): boolean;
  stop(): Promise<void>;
}

export function startBystander(cwd: string, namedPath: string): Bystander {
  const child: ResultPromise = execa(
    process.execPath,
    ['-e', 'setInterval(() => {}, 1 << 30)', namedPath, '--directory', namedPath, '-D', namedPath],
    { cwd, reject: false, stdin: 'ignore' },
  );
  const ended = child.then(() => undefined);
  return {
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null && isRunning(child.pid!),
    async stop() {
      child.kill('SIGKILL');
      await ended;
    },
  };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
