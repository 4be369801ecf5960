import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../../process/process-alive.js';

/**
 * Observing and ending the background processes of the native runtime by pid, without
 * spawning anything: `status` and a repeated `up` must stay cheap. Which pids are ours is
 * decided in process-identity.ts; these only act on a pid they are given.
 */

export { isProcessAlive } from '../../process/process-alive.js';

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
  // Checked again right before: the pid must still be the process we meant.
  if (!isRunning()) return 'stopped';
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
