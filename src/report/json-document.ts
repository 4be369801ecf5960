import type { Diagnostic } from '../support/diagnostic.js';

/**
 * The one document `--json` prints. The envelope says which command ran and how it ended; the
 * command's own fields sit under `data` (or, when it failed, the error's fields under
 * `error.details`), so none can shadow the envelope. `schemaVersion` changes when a field
 * changes meaning or disappears; new fields do not change it.
 */
export const JSON_SCHEMA_VERSION = 1;

interface Envelope {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  /** The datalayer package version that printed the document. */
  datalayerVersion: string;
  /** The command that ran, or `datalayer` when none was recognised (a usage error). */
  command: string;
  exitCode: number;
  diagnostics: Diagnostic[];
}

export interface SuccessDocument extends Envelope {
  /** True when the exit code is 0. */
  ok: boolean;
  data: object;
}

export interface FailureDocument extends Envelope {
  ok: false;
  data: null;
  error: { message: string; hint: string | null; details: Record<string, unknown> };
}

export function successDocument(envelope: Omit<Envelope, 'schemaVersion'>, data: object): SuccessDocument {
  const { datalayerVersion, command, exitCode, diagnostics } = envelope;
  return { schemaVersion: JSON_SCHEMA_VERSION, datalayerVersion, command, ok: exitCode === 0, exitCode, diagnostics, data };
}

export function failureDocument(envelope: Omit<Envelope, 'schemaVersion'>, error: FailureDocument['error']): FailureDocument {
  const { datalayerVersion, command, exitCode, diagnostics } = envelope;
  return { schemaVersion: JSON_SCHEMA_VERSION, datalayerVersion, command, ok: false, exitCode, diagnostics, data: null, error };
}
