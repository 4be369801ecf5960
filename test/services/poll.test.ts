import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessRunner } from '../../src/process/runner.js';
import { NotReadyError } from '../../src/support/errors.js';
import { attemptBudget, pollUntil, sleep, type ProbeOutcome } from '../../src/support/poll.js';

/** Whether a promise has settled yet, read without waiting for it (the timers are fake: nothing else moves). */
function watch<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  const result = promise.finally(() => (settled = true));
  result.catch(() => undefined); // read through `result`; only the unawaited copy must not warn
  return { settled: () => settled, result };
}

function probeSequence<T>(outcomes: Array<ProbeOutcome<T>>): { probe: () => Promise<ProbeOutcome<T>>; calls: () => number } {
  let calls = 0;
  return {
    probe: async () => outcomes[Math.min(calls++, outcomes.length - 1)] as ProbeOutcome<T>,
    calls: () => calls,
  };
}

describe('pollUntil', () => {
  it('returns the value of the first successful probe and reports each wait', async () => {
    const { probe, calls } = probeSequence<string>([
      { done: false, reason: 'connection refused' },
      { done: false, reason: 'starting up' },
      { done: true, value: 'ready' },
    ]);
    const waits: Array<[string, number]> = [];
    const value = await pollUntil(probe, {
      deadline: Date.now() + 5_000,
      intervalMs: 10,
      onWait: (reason, elapsed) => waits.push([reason, elapsed]),
    });
    expect(value).toBe('ready');
    expect(calls()).toBe(3);
    expect(waits.map(([reason]) => reason)).toEqual(['connection refused', 'starting up']);
    expect(waits[1]![1]).toBeGreaterThanOrEqual(waits[0]![1]);
  });

  describe('on a fake clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('throws NotReadyError (exit 5) at the deadline, not before, carrying the last reason and the label', async () => {
      vi.useFakeTimers();
      const { probe } = probeSequence<void>([{ done: false, reason: 'first' }, { done: false, reason: 'still starting' }]);
      const waiting = watch(pollUntil(probe, { deadline: Date.now() + 300, intervalMs: 50, label: 'Postgres at x' }));
      await vi.advanceTimersByTimeAsync(250);
      expect(waiting.settled()).toBe(false);
      await vi.advanceTimersByTimeAsync(50);
      expect(waiting.settled()).toBe(true);
      const error = await waiting.result.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NotReadyError);
      expect((error as NotReadyError).exitCode).toBe(5);
      expect((error as NotReadyError).message).toMatch(/^Postgres at x was not ready .*still starting/);
      expect((error as NotReadyError).data.lastReason).toBe('still starting');
    });

    it('stops at once when the signal aborts, even during a probe that never settles', async () => {
      vi.useFakeTimers();
      const controller = new AbortController();
      const reason = new Error('interrupted');
      const waiting = watch(
        pollUntil(() => new Promise<ProbeOutcome<void>>(() => undefined), { deadline: Date.now() + 10_000, signal: controller.signal }),
      );
      await vi.advanceTimersByTimeAsync(50);
      expect(waiting.settled()).toBe(false);
      controller.abort(reason);
      await vi.advanceTimersByTimeAsync(0);
      expect(waiting.settled()).toBe(true);
      await expect(waiting.result).rejects.toBe(reason);
    });

    it('sleep ends at once when the signal aborts', async () => {
      vi.useFakeTimers();
      const controller = new AbortController();
      const sleeping = watch(sleep(60_000, controller.signal));
      controller.abort(new Error('stop'));
      await vi.advanceTimersByTimeAsync(0);
      expect(sleeping.settled()).toBe(true);
      await expect(sleeping.result).rejects.toThrow('stop');
    });
  });

  it('stops at once when the signal aborts during the pause between probes', async () => {
    const controller = new AbortController();
    const { probe, calls } = probeSequence<void>([{ done: false, reason: 'refused' }]);
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(
      pollUntil(probe, { deadline: Date.now() + 10_000, intervalMs: 5_000, signal: controller.signal }),
    ).rejects.toThrow('stop');
    expect(calls()).toBe(1);
  });

  it('ends the wait with the error thrown by the check hook after a failed probe, before probing again', async () => {
    const { probe, calls } = probeSequence<void>([{ done: false, reason: 'refused' }]);
    let checks = 0;
    const exited = new NotReadyError('postgres exited with code 1');
    await expect(
      pollUntil(probe, {
        deadline: Date.now() + 10_000,
        intervalMs: 10,
        check: async () => {
          if (++checks === 3) throw exited;
        },
      }),
    ).rejects.toBe(exited);
    expect(calls()).toBe(3);
  });

  it('does not run the check hook when the first probe succeeds', async () => {
    let checks = 0;
    const value = await pollUntil(async () => ({ done: true as const, value: 'ready' }), {
      deadline: Date.now() + 1_000,
      check: async () => {
        checks += 1;
      },
    });
    expect([value, checks]).toEqual(['ready', 0]);
  });
});

describe('attemptBudget', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('caps one attempt at the maximum and at the time left, with a floor', () => {
    vi.useFakeTimers();
    expect(attemptBudget(Date.now() + 60_000, 2_000)).toBe(2_000);
    expect(attemptBudget(Date.now() + 1_000, 2_000)).toBe(1_000);
    expect(attemptBudget(Date.now() - 5_000, 2_000)).toBe(200);
  });
});

describe('a long wait on one abort signal', () => {
  // Node prints MaxListenersExceededWarning once eleven listeners sit on one signal: a wait of
  // hundreds of probes, each with its sleep and its `compose ps`, must leave none behind.
  it('pollUntil with a check that runs a process leaves no abort listener behind after 15 probes', async () => {
    const controller = new AbortController();
    const runner = new ProcessRunner();
    const { probe } = probeSequence<string>([...Array.from({ length: 14 }, () => ({ done: false as const, reason: 'not yet' })), { done: true, value: 'ready' }]);
    const value = await pollUntil(probe, {
      deadline: Date.now() + 60_000,
      intervalMs: 1,
      signal: controller.signal,
      check: async () => {
        await runner.run(process.execPath, ['-e', '0'], { signal: controller.signal });
      },
    });
    expect(value).toBe('ready');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('sleep', () => {
  it('leaves no listener on the signal once the pause is over (Node warns past ten: a long wait would)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
