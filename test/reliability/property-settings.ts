/**
 * How the property tests pick their seed, so that any failure can be replayed.
 *
 * Every run uses a fresh random seed unless DATALAYER_PROPERTY_SEED is set. When a property fails,
 * fast-check's message starts with `seed: N, path: "P"`; replay exactly that case with
 *
 *   DATALAYER_PROPERTY_SEED=N DATALAYER_PROPERTY_PATH=P npx vitest run test/reliability
 *
 * DATALAYER_PROPERTY_RUNS overrides the number of generated cases (e.g. 100000 for a long soak).
 */
import type { Parameters } from 'fast-check';

function integerFrom(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`Not an integer: ${text}`);
  return value;
}

/** The seed of this test run: the configured one, else a random one (reported by fast-check on failure). */
export const propertySeed: number = integerFrom(process.env.DATALAYER_PROPERTY_SEED) ?? (Math.random() * 2 ** 31) | 0;

/** True when the number of runs is not the test's own (a replay, or a soak). */
export const propertyRunsOverridden = process.env.DATALAYER_PROPERTY_RUNS !== undefined || process.env.DATALAYER_PROPERTY_PATH !== undefined;

export function propertyParameters<T>(defaultRuns: number): Parameters<T> {
  const path = process.env.DATALAYER_PROPERTY_PATH;
  return {
    seed: propertySeed,
    numRuns: integerFrom(process.env.DATALAYER_PROPERTY_RUNS) ?? defaultRuns,
    ...(path ? { path, endOnFailure: true } : {}),
  };
}
