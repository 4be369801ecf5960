import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FAKE_SCRIPT = fileURLToPath(new URL('./fake-docker/fake-docker.mjs', import.meta.url));

/** One service as the fake's `compose ps --format json` reports it (fields as Compose names them). */
export interface FakeService {
  Service: string;
  Name?: string;
  State?: string;
  Health?: string;
  Status?: string;
  ExitCode?: number;
  Publishers?: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[] | null;
}

export interface FakeResponse {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  delayMs?: number;
}

/** What the fake answers; the file is re-read on every call. */
export interface FakeDockerScenario {
  /** `docker compose` missing, with the docker CLI < 28 (`old`) or 28+ (`new`) texts. */
  pluginMissing?: 'old' | 'new' | false;
  podmanComposeMissing?: boolean;
  daemonDown?: boolean;
  permissionDenied?: boolean;
  serverVersion?: string;
  podmanVersion?: string;
  /** `docker compose version --short`; also the default for the other engines. */
  composeVersion?: string;
  dockerComposeVersion?: string;
  podmanComposeVersion?: string;
  /** `version --short` is refused (old engines). */
  shortUnsupported?: boolean;
  /** `array` like Compose <= 2.20, `lines` (default) like >= 2.21. */
  psShape?: 'array' | 'lines';
  /** Leave out `Project` like Compose 2.21-2.23. */
  omitProject?: boolean;
  services?: FakeService[];
  /** From the n-th `compose ps` call (1-based) on, report these services instead. */
  psTimeline?: { fromCall: number; services: FakeService[] }[];
  /** `config --services`; defaults to every service named in `services` and `psTimeline`. */
  definedServices?: string[];
  /** Container output per service for `compose logs` (stdout / stderr). */
  logs?: Record<string, string>;
  logsStderr?: Record<string, string>;
  /** Replaces the answer of a compose subcommand (`up`, `down`, `ps`, `logs`, ...). */
  responses?: Record<string, FakeResponse>;
  /** `docker ps --format json` (Names, Ports as docker prints them). */
  containers?: Record<string, unknown>[];
  podmanBanner?: boolean;
  /** The compose plugin's executable `docker info` names (installFakeDocker's `withPluginExecutable` makes one). */
  pluginExecutable?: string;
  /** A docker CLI whose `info` template knows no client plugins (refuses `.ClientInfo`). */
  infoWithoutPlugins?: boolean;
}

export interface FakeDockerInstall {
  /** Which executables exist. */
  withDocker?: boolean;
  /** The `docker compose` plugin; without it the fake prints the "not a docker command" texts. */
  withCompose?: boolean;
  withDockerCompose?: boolean;
  withPodman?: boolean;
  /**
   * The plugin's own executable, in a `cli-plugins` directory (not on PATH): a fake that answers as
   * the standalone `docker-compose`, at `pluginExecutable` of the returned FakeDocker.
   */
  withPluginExecutable?: boolean;
}

export interface FakeDocker {
  binDir: string;
  /** With `withPluginExecutable`: the plugin's executable (its calls are logged as `docker-compose`). */
  pluginExecutable?: string;
  logFile: string;
  scenarioFile: string;
  /**
   * For the runner's `env` option: PATH holds only the fake's directory and one holding `node`
   * (a symlink to this Node), so a real docker next to the system's node is never found, and the
   * fake's `#!/usr/bin/env node` still resolves.
   */
  env: Record<string, string>;
  /** Every recorded argv, first element the program name (`docker`, `docker-compose`, `podman`). */
  calls(): string[][];
  setScenario(scenario: FakeDockerScenario): void;
  /** How many times a counted subcommand (`ps`) ran. */
  count(name: 'ps'): number;
}

export function installFakeDocker(dir: string, scenario: FakeDockerScenario, install: FakeDockerInstall = {}): FakeDocker {
  const { withDocker = true, withCompose = true, withDockerCompose = false, withPodman = false, withPluginExecutable = false } = install;
  const binDir = path.join(dir, 'fake-bin');
  const nodeDir = path.join(dir, 'node-bin');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(nodeDir, { recursive: true });
  // The `.mjs` copy makes Node load it as a module wherever the directory is.
  const script = path.join(binDir, 'fake-docker.mjs');
  copyFileSync(FAKE_SCRIPT, script);
  chmodSync(script, 0o755);
  const names = [withDocker && 'docker', withDockerCompose && 'docker-compose', withPodman && 'podman'].filter(
    (name): name is string => typeof name === 'string',
  );
  for (const name of names) symlinkSync('fake-docker.mjs', path.join(binDir, name));
  symlinkSync(process.execPath, path.join(nodeDir, 'node'));
  const pluginExecutable = withPluginExecutable ? path.join(dir, 'cli-plugins', 'docker-compose') : undefined;
  if (pluginExecutable) {
    mkdirSync(path.dirname(pluginExecutable), { recursive: true });
    symlinkSync(script, pluginExecutable);
  }

  const logFile = path.join(dir, 'fake-docker.log');
  const scenarioFile = path.join(dir, 'fake-docker-scenario.json');
  writeFileSync(logFile, '');
  const setScenario = (next: FakeDockerScenario) => {
    const effective = withCompose || next.pluginMissing !== undefined ? next : { ...next, pluginMissing: 'new' as const };
    // Whole or not at all: a fake docker started meanwhile must never read half a file.
    writeFileSync(`${scenarioFile}.next`, JSON.stringify(effective, null, 2));
    renameSync(`${scenarioFile}.next`, scenarioFile);
  };
  setScenario(scenario);
  return {
    binDir,
    ...(pluginExecutable ? { pluginExecutable } : {}),
    logFile,
    scenarioFile,
    env: {
      PATH: [binDir, nodeDir].join(path.delimiter),
      FAKE_DOCKER_LOG: logFile,
      FAKE_DOCKER_SCENARIO: scenarioFile,
    },
    calls: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string[]),
    setScenario,
    count: (name) => {
      const file = `${scenarioFile}.${name}-count`;
      return existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    },
  };
}
