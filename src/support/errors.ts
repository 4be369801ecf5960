import type { Diagnostic } from './diagnostic.js';

/** The exit codes datalayer promises (docs/architecture.md, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  prerequisite: 4,
  notReady: 5,
  refused: 6,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string;
  diagnostics?: Diagnostic[];
  /** Extra fields for the JSON document (never secrets). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error hierarchy: deep code throws these, the entry point alone prints and exits. */
export class DatalayerError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly diagnostics: Diagnostic[];
  readonly data: Record<string, unknown>;

  constructor(exitCode: number, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = details.hint;
    this.diagnostics = details.diagnostics ?? [];
    this.data = details.data ?? {};
  }
}

export class UsageError extends DatalayerError {
  constructor(message: string, details?: ErrorDetails) {
    super(ExitCode.usage, message, details);
  }
}

export class ConfigError extends DatalayerError {
  constructor(message: string, details?: ErrorDetails) {
    super(ExitCode.config, message, details);
  }
}

export class PrerequisiteError extends DatalayerError {
  constructor(message: string, details?: ErrorDetails) {
    super(ExitCode.prerequisite, message, details);
  }
}

export class NotReadyError extends DatalayerError {
  constructor(message: string, details?: ErrorDetails) {
    super(ExitCode.notReady, message, details);
  }
}

export class RefusedError extends DatalayerError {
  constructor(message: string, details?: ErrorDetails) {
    super(ExitCode.refused, message, details);
  }
}

export class InterruptedError extends DatalayerError {
  constructor(signal: NodeJS.Signals = 'SIGINT') {
    super(signal === 'SIGTERM' ? 143 : ExitCode.interrupted, `Interrupted by ${signal}.`);
  }
}

/**
 * The reader of our output went away (`datalayer logs | head -1` once head has its line): the
 * command stops because nobody reads what it would print. Not a failure, and nothing to say about
 * it: exit 0, like a reader that got what it wanted.
 */
export class OutputClosedError extends DatalayerError {
  constructor() {
    super(ExitCode.ok, 'The output was closed by its reader.');
  }
}

/** A write error that means the reader is gone (EPIPE), not that something broke. */
export function isClosedOutput(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function isDatalayerError(error: unknown): error is DatalayerError {
  return error instanceof DatalayerError;
}

/** The first line of a message without its final period: for quoting it inside another sentence. */
export function messageHeadline(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/\.$/, '');
}
