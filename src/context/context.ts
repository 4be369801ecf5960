import type { HostProject } from './host-project.js';
import type { ProcessRunner } from '../process/runner.js';
import type { Reporter } from '../report/reporter.js';

/** What every command receives besides its own options. Tests build one with their own parts. */
export interface Context {
  host: HostProject;
  reporter: Reporter;
  runner: ProcessRunner;
  /** The shell environment (wins over `.env`, as with Compose). */
  env: NodeJS.ProcessEnv;
  /** `-y, --yes`: answer yes to confirmations. */
  yes: boolean;
  /** Whether a person can answer a prompt (stdin and stderr are terminals). */
  interactive: boolean;
  /** Aborted on SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** Work to undo if the command is interrupted (release a lock, stop a child); runs once. */
  onCleanup(task: () => void | Promise<void>): void;
}
