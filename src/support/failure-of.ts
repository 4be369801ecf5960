/** A failure kept aside, to be thrown once the other work in flight has ended. */
export interface Failure {
  error: unknown;
}

/** Resolves, never rejects: to the failure of `work`, if it fails. */
export function failureOf(work: Promise<unknown>): Promise<Failure | undefined> {
  return work.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
}
