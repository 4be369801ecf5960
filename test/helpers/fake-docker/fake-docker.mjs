#!/usr/bin/env node
// A stand-in for `docker`, `docker-compose` and `podman` (installed as symlinks of those names).
// It records its argv as one JSON line in $FAKE_DOCKER_LOG and answers from the scenario in
// $FAKE_DOCKER_SCENARIO, re-read on every call so a test can change it while a command runs.
// Error texts and exit codes are the real ones (docker CLI 27/28, Compose v2, podman).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const identity = path.basename(process.argv[1]);
const args = process.argv.slice(2);

if (process.env.FAKE_DOCKER_LOG) appendFileSync(process.env.FAKE_DOCKER_LOG, `${JSON.stringify([identity, ...args])}\n`);
const scenarioFile = process.env.FAKE_DOCKER_SCENARIO;
const scenario = scenarioFile && existsSync(scenarioFile) ? JSON.parse(readFileSync(scenarioFile, 'utf8')) : {};

const DAEMON_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
const PERMISSION_DENIED =
  'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
  'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": dial unix /var/run/docker.sock: connect: permission denied';
const PODMAN_DOWN =
  'Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, ' +
  'or try `podman machine init` and `podman machine start` to manage a new Linux VM\n' +
  'Error: unable to connect to Podman socket: failed to connect: dial tcp 127.0.0.1:50123: connect: connection refused';

function finish(code, stdout = '', stderr = '') {
  if (stdout) process.stdout.write(stdout.endsWith('\n') ? stdout : `${stdout}\n`);
  if (stderr) process.stderr.write(stderr.endsWith('\n') ? stderr : `${stderr}\n`);
  process.exitCode = code;
}

function daemonProblem() {
  if (scenario.permissionDenied) return PERMISSION_DENIED;
  if (scenario.daemonDown) return identity === 'podman' ? PODMAN_DOWN : DAEMON_DOWN;
  return undefined;
}

// `docker` without the compose plugin: the CLI first rejects any flag it does not know (exit 125),
// and only with no flag left says the command is unknown (exit 1).
function pluginMissing(rest) {
  const flag = rest.find((arg) => arg.startsWith('-'));
  const modern = scenario.pluginMissing === 'new';
  const tail = modern ? "\nRun 'docker --help' for more information" : "\nSee 'docker --help'.";
  if (flag) {
    const text = flag.startsWith('--') ? `unknown flag: ${flag.split('=')[0]}` : `unknown shorthand flag: '${flag[1]}' in ${flag}`;
    return finish(125, '', `${text}\n${modern ? '\nUsage:  docker [OPTIONS] COMMAND [ARG...]\n' : ''}${tail}`);
  }
  if (modern) return finish(1, '', `docker: unknown command: docker compose\n${tail}`);
  return finish(1, '', `docker: 'compose' is not a docker command.${tail}`);
}

function composeVersionFor() {
  if (identity === 'docker-compose') return scenario.dockerComposeVersion ?? scenario.composeVersion ?? '2.29.1';
  if (identity === 'podman') return scenario.podmanComposeVersion ?? scenario.composeVersion ?? '2.29.1';
  return scenario.composeVersion ?? '2.29.1';
}

const VALUE_FLAGS = new Set(['-p', '--project-name', '-f', '--file', '--env-file', '--project-directory', '--profile', '--ansi', '--progress']);

function splitGlobalFlags(rest) {
  const globals = {};
  let index = 0;
  while (index < rest.length && rest[index].startsWith('-')) {
    const flag = rest[index];
    if (!VALUE_FLAGS.has(flag)) return { error: `unknown flag: ${flag}` };
    globals[flag] = rest[index + 1];
    index += 2;
  }
  return { globals, subcommand: rest[index], options: rest.slice(index + 1) };
}

function counter(name) {
  const file = `${scenarioFile}.${name}-count`;
  const next = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;
  writeFileSync(file, String(next));
  return next;
}

function servicesAt(call) {
  let services = scenario.services ?? [];
  for (const step of scenario.psTimeline ?? []) if (call >= step.fromCall) services = step.services;
  return services;
}

function declaredServices() {
  if (scenario.definedServices) return scenario.definedServices;
  const names = [...(scenario.services ?? []), ...(scenario.psTimeline ?? []).flatMap((step) => step.services)].map((s) => s.Service);
  return [...new Set(names)];
}

function toContainer(service, project) {
  const container = {
    Name: service.Name ?? `${project}-${service.Service}-1`,
    Service: service.Service,
    State: service.State ?? 'running',
    Health: service.Health ?? '',
    Status: service.Status ?? (service.State === 'exited' ? `Exited (${service.ExitCode ?? 0}) 2 seconds ago` : 'Up 3 seconds'),
    ExitCode: service.ExitCode ?? 0,
    Publishers: service.Publishers ?? [],
  };
  // Compose 2.21-2.23 omitted Project.
  if (!scenario.omitProject) container.Project = project;
  return container;
}

function composePs(options, project) {
  if (!options.includes('--format') || options[options.indexOf('--format') + 1] !== 'json') {
    return finish(99, '', `fake docker: only \`ps --format json\` is emulated, got ${options.join(' ')}`);
  }
  const all = options.includes('-a') || options.includes('--all');
  const containers = servicesAt(counter('ps'))
    .filter((service) => all || (service.State ?? 'running') === 'running')
    .map((service) => toContainer(service, project));
  if ((scenario.psShape ?? 'lines') === 'array') return finish(0, JSON.stringify(containers));
  return finish(0, containers.map((container) => JSON.stringify(container)).join('\n'));
}

function composeLogs(options) {
  const positional = [];
  let tail;
  for (let index = 0; index < options.length; index += 1) {
    const option = options[index];
    if (option === '--tail' || option === '-n') tail = Number(options[++index]);
    else if (!option.startsWith('-')) positional.push(option);
  }
  const services = positional.length > 0 ? positional : Object.keys(scenario.logs ?? {});
  const render = (texts) =>
    services
      .flatMap((service) => {
        const lines = (texts?.[service] ?? '').split('\n').filter((line) => line !== '');
        // Compose 2.25-2.26 starts every log line with ESC[2K, into a pipe too (docker/compose#11727).
        return (tail === undefined ? lines : lines.slice(-tail)).map((line) => `\x1b[2K${service}-1  | ${line}`);
      })
      .join('\n');
  return finish(0, render(scenario.logs), render(scenario.logsStderr));
}

function compose(rest) {
  const { error, globals, subcommand, options } = splitGlobalFlags(rest);
  if (error) return finish(1, '', error);
  if (identity === 'podman' && scenario.podmanBanner !== false) {
    process.stderr.write('>>>> Executing external compose provider "/usr/local/bin/docker-compose". Please see podman-compose(1) for how to disable this message. <<<<\n\n');
  }
  const override = scenario.responses?.[subcommand];
  if (override) {
    if (override.delayMs) return void setTimeout(() => finish(override.exitCode ?? 0, override.stdout, override.stderr), override.delayMs);
    return finish(override.exitCode ?? 0, override.stdout, override.stderr);
  }
  const version = composeVersionFor();
  if (subcommand === 'version') {
    if (options.includes('--short')) {
      if (scenario.shortUnsupported) return finish(1, '', 'unknown flag: --short');
      return finish(0, version);
    }
    if (version.startsWith('1.')) return finish(0, `docker-compose version ${version}, build 5becea4c`);
    return finish(0, `Docker Compose version v${version}`);
  }
  const project = globals['-p'] ?? globals['--project-name'] ?? 'fake';
  if (subcommand === 'config' && options.includes('--services')) return finish(0, declaredServices().join('\n'));
  const problem = daemonProblem();
  if (problem) return finish(1, '', problem);
  switch (subcommand) {
    case 'ps':
      return composePs(options, project);
    case 'up':
      return finish(0, '', declaredServices().map((name) => ` Container ${project}-${name}-1  Started`).join('\n'));
    case 'down':
      return finish(0, '', declaredServices().map((name) => ` Container ${project}-${name}-1  Removed`).join('\n'));
    case 'logs':
      return composeLogs(options);
    default:
      return finish(99, '', `fake docker: unhandled compose subcommand ${subcommand}`);
  }
}

// `docker info --format`: the server version, then, when the format asks for the client's plugins
// (docker CLI 19.03+), the compose plugin's line the format prints (scenario.pluginExecutable).
function info() {
  const format = args[args.indexOf('--format') + 1] ?? '';
  const asksPlugins = identity === 'docker' && format.includes('.ClientInfo.Plugins');
  if (asksPlugins && scenario.infoWithoutPlugins) {
    return finish(1, '', 'template: :1:21: executing "" at <.ClientInfo.Plugins>: can\'t evaluate field ClientInfo in type types.Info');
  }
  const plugin = asksPlugins && scenario.pluginExecutable ? `\ncompose-plugin\t${composeVersionFor()}\t${scenario.pluginExecutable}` : '';
  const problem = daemonProblem();
  if (problem) return finish(identity === 'podman' ? 125 : 1, identity === 'podman' ? '' : `\n${plugin}`, problem);
  return finish(0, `${identity === 'podman' ? scenario.podmanVersion ?? '5.2.2' : scenario.serverVersion ?? '27.3.1'}${plugin}`);
}

function dockerPs() {
  const problem = daemonProblem();
  if (problem) return finish(1, '', problem);
  const containers = scenario.containers ?? [];
  if (identity === 'podman') return finish(0, JSON.stringify(containers));
  return finish(0, containers.map((container) => JSON.stringify(container)).join('\n'));
}

function main() {
  if (identity === 'docker-compose') return compose(args);
  const [command, ...rest] = args;
  if (command === 'compose') {
    if (identity === 'docker' && scenario.pluginMissing) return pluginMissing(rest);
    if (identity === 'podman' && scenario.podmanComposeMissing) {
      return finish(125, '', 'Error: looking up compose provider failed\n7 errors occurred:\n\t* exec: "docker-compose": executable file not found in $PATH');
    }
    return compose(rest);
  }
  if (command === 'info') return info();
  if (command === 'ps') return dockerPs();
  return finish(99, '', `fake ${identity}: unhandled command ${args.join(' ')}`);
}

main();
