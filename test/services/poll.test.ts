import { describe, expect, it } from 'vitest';
import { NotReadyError } from '../../src/support/errors.js';
import { getEventListeners } from 'node:events';
import { attemptBudget, pollUntil, sleep, type ProbeOutcome } from '../../src/support/poll.js';

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

  it('throws NotReadyError (exit 5) at the deadline carrying the last reason and the label', async () => {
    const { probe } = probeSequence<void>([{ done: false, reason: 'first' }, { done: false, reason: 'still starting' }]);
    const started = Date.now();
    const error = await pollUntil(probe, { deadline: Date.now() + 300, intervalMs: 50, label: 'Postgres at x' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).exitCode).toBe(5);
    expect((error as NotReadyError).message).toMatch(/^Postgres at x was not ready .*still starting/);
    expect((error as NotReadyError).data.lastReason).toBe('still starting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('stops at once when the signal aborts, even during a probe that never settles', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    setTimeout(() => controller.abort(reason), 50);
    const started = Date.now();
    await expect(
      pollUntil(() => new Promise<ProbeOutcome<void>>(() => undefined), {
        deadline: Date.now() + 10_000,
        signal: controller.signal,
      }),
    ).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1_000);
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

  it('ends the wait with the error thrown by the check hook, before probing again', async () => {
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
    expect(calls()).toBe(2);
  });
});

describe('attemptBudget', () => {
  it('caps one attempt at the maximum and at the time left, with a floor', () => {
    expect(attemptBudget(Date.now() + 60_000, 2_000)).toBe(2_000);
    const left = attemptBudget(Date.now() + 1_000, 2_000);
    expect(left).toBeLessThanOrEqual(1_000);
    expect(left).toBeGreaterThan(900);
    expect(attemptBudget(Date.now() - 5_000, 2_000)).toBe(200);
  });
});

describe('sleep', () => {
  it('leaves no listener on the signal once the pause is over (Node warns past ten: a long wait would)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
