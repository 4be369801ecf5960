import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../../process/process-alive.js';

/**
 * Observing and ending the background processes of the native runtime by pid, without
 * spawning anything: `status` and a repeated `up` must stay cheap.
 */

export { isProcessAlive } from '../../process/process-alive.js';

/**
 * The argv of a live process, from /proc on Linux; `undefined` where /proc is not available.
 * An empty array means the process is a zombie or has just gone.
 */
export function processCommandLine(pid: number, procRoot = '/proc'): string[] | undefined {
  let raw: string;
  try {
    raw = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT with a /proc present: the process is gone; without /proc (macOS) nothing can be told.
    if (code === 'ENOENT' || code === 'ESRCH') return procMounted(procRoot) ? [] : undefined;
    return undefined;
  }
  return raw.split('\0').filter((part) => part.length > 0);
}

function procMounted(procRoot: string): boolean {
  try {
    readFileSync(`${procRoot}/self/cmdline`);
    return true;
  } catch (error) {
    // No /proc on this system: identity checks fall back to the pid alone.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Whether `pid` is alive and still the program we started (pids are reused after a reboot or
 * a long time): its command line must contain `expectedArgument` (its data directory) when the
 * system can tell.
 */
export function isOurProcess(pid: number, expectedArgument: string): boolean {
  if (!isProcessAlive(pid)) return false;
  const commandLine = processCommandLine(pid);
  if (commandLine === undefined) return true;
  return commandLine.includes(expectedArgument);
}

/**
 * Pids of processes whose command line contains `argument` (Linux /proc; none elsewhere): finds a
 * server of ours whose record was lost, so it can be stopped instead of blocking its port.
 */
export function findProcessesWithArgument(argument: string, procRoot = '/proc'): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && (processCommandLine(pid, procRoot) ?? []).includes(argument));
}

/** Whether something accepts TCP connections on host:port within `timeoutMs`. */
export function isPortAccepting(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const finish = (accepting: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(accepting);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Waits until `isGone()` holds or the time is up; returns whether it went. */
export async function waitUntil(isGone: () => boolean, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!isGone()) {
    if (Date.now() >= deadline) return false;
    await delay(pollMs);
  }
  return true;
}

/**
 * Asks a process to end with `signal`, waits up to `graceMs`, then kills it.
 * `isRunning` decides when it is gone (a zombie still answers signal 0).
 */
export async function terminateProcess(
  pid: number,
  signal: NodeJS.Signals,
  graceMs: number,
  isRunning: () => boolean = () => isProcessAlive(pid),
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isRunning()) return 'not-running';
  if (!sendSignal(pid, signal)) return 'not-running';
  if (await waitUntil(() => !isRunning(), graceMs)) return 'stopped';
  sendSignal(pid, 'SIGKILL');
  await waitUntil(() => !isRunning(), 5_000);
  return 'killed';
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
