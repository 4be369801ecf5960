/** What `up`, `down`, `status` and `logs` need from a place where services run (Docker Compose or native processes). */
import type { ServiceRole } from '../config/compose/roles.js';

export type { ServiceRole };

export type RuntimeKind = 'docker' | 'native';

export interface PublishedPort {
  published: number;
  target: number;
}

export interface ServiceState {
  /** Compose service name, or `postgres` / `s3` for native. */
  name: string;
  role?: ServiceRole;
  /**
   * running, exited, restarting, created, paused, dead, missing (not created / no process), or
   * outdated (native: running with another port or key pair than `.env` gives; `up` replaces it).
   */
  state: string;
  /** healthy, unhealthy, starting, or '' when there is no healthcheck. */
  health: string;
  exitCode?: number;
  ports: PublishedPort[];
  /** Container name (docker) or pid (native). */
  container?: string;
  pid?: number;
}

export interface StartOptions {
  services?: string[];
  signal?: AbortSignal;
}

export interface StopOptions {
  /** Also delete the data (already confirmed by the caller). */
  volumes: boolean;
}

export interface LogOptions {
  tail?: number;
  follow?: boolean;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  start(options: StartOptions): Promise<void>;
  stop(options: StopOptions): Promise<{ deleted: string[] }>;
  services(): Promise<ServiceState[]>;
  /** The last lines a service printed, for failure reports. */
  lastLogLines(service: string, lines: number): Promise<string[]>;
  /** Streams (follow) or prints logs straight to the terminal. */
  streamLogs(services: string[], options: LogOptions): Promise<number>;
  /** Which run of a service this is (changes when it restarts); docker only. */
  instanceOf?(service: string): Promise<string | undefined>;
}
