import { NotReadyError } from './errors.js';

/** One look at a service: either it is usable (with whatever the probe learned) or why not yet. */
export type ProbeOutcome<T> = { done: true; value: T } | { done: false; reason: string };

/** How a readiness wait runs: the options every `waitFor…` takes besides what it waits for. */
export interface WaitOptions {
  /** Epoch milliseconds after which waiting stops with a NotReadyError. */
  deadline: number;
  /** Pause between two probes. */
  intervalMs?: number;
  /** Aborting stops the wait at once; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called after each unsuccessful probe, for progress output. */
  onWait?: (reason: string, elapsedMs: number) => void;
  /**
   * Runs after every unsuccessful probe; throwing ends the wait with that error. Lets the caller
   * stop as soon as the container or process behind the service has exited instead of waiting
   * out the deadline. A service that answers at once is not asked about (a warm `up` saves a
   * `compose ps` per service).
   */
  check?: () => Promise<void>;
}

export interface PollOptions extends WaitOptions {
  /** Names the service in the timeout message, e.g. "Postgres at localhost:5432". */
  label?: string;
}

const defaultIntervalMs = 500;

/**
 * Probes until the service is usable, the deadline passes (NotReadyError carrying the last
 * reason, exit 5), `check` throws, or the signal aborts.
 */
export async function pollUntil<T>(probe: () => Promise<ProbeOutcome<T>>, options: PollOptions): Promise<T> {
  const started = Date.now();
  const intervalMs = options.intervalMs ?? defaultIntervalMs;
  let lastReason = 'no attempt finished before the deadline';
  for (;;) {
    throwIfAborted(options.signal);
    const outcome = await untilAborted(probe(), options.signal);
    if (outcome.done) return outcome.value;
    if (options.check) await untilAborted(options.check(), options.signal);
    lastReason = outcome.reason;
    const now = Date.now();
    options.onWait?.(lastReason, now - started);
    if (now >= options.deadline) break;
    await sleep(Math.min(intervalMs, options.deadline - now), options.signal);
  }
  const what = options.label ?? 'The service';
  const seconds = Math.round((Date.now() - started) / 1000);
  // The deadline is the command's (--timeout counts from its start), so say both.
  throw new NotReadyError(`${what} was not ready in time (waited ${seconds} s for it): ${lastReason}`, {
    hint: 'Check that the service is running and reachable, or allow more time with --timeout.',
    data: { lastReason, waitedMs: Date.now() - started },
  });
}

/** Milliseconds left before `deadline`, capped so that one attempt never outlives it by much. */
export function attemptBudget(deadline: number, maxMs: number, minMs = 200): number {
  return Math.max(minMs, Math.min(maxMs, deadline - Date.now()));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Settles like `work`, unless the signal aborts first (then rejects with its reason). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Waits `ms`, or rejects with the signal's reason once it aborts. Its abort listener goes away
 * with the timer: a wait made of hundreds of sleeps must not pile listeners onto one signal
 * (Node warns from the eleventh on).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return untilAborted(
    new Promise<void>((resolve) => {
      const stop = (): void => clearTimeout(timer);
      const timer = setTimeout(() => {
        // A listener left on the signal after every pause adds up: Node warns past ten of them.
        signal?.removeEventListener('abort', stop);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', stop, { once: true });
    }),
    signal,
  );
}
