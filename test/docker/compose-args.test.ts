import { describe, expect, it } from 'vitest';
import { composeArgv } from '../../src/runtimes/docker/compose-args.js';

const target = { project: 'myhost', composeFile: '/srv/My Host/extern/chainlit-datalayer/compose.yaml', envFile: '/srv/My Host/.env' };

describe('composeArgv', () => {
  it.each([
    [['docker', 'compose'], ['ps', '-a', '--format', 'json'], 'docker', ['compose', '-p', 'myhost', '-f', target.composeFile, '--env-file', target.envFile, 'ps', '-a', '--format', 'json']],
    [['docker-compose'], ['up', '-d'], 'docker-compose', ['-p', 'myhost', '-f', target.composeFile, '--env-file', target.envFile, 'up', '-d']],
    [['podman', 'compose'], ['down', '-v'], 'podman', ['compose', '-p', 'myhost', '-f', target.composeFile, '--env-file', target.envFile, 'down', '-v']],
  ])('%j %j', (command, subcommand, file, args) => {
    expect(composeArgv({ command }, target, subcommand)).toEqual({ file, args });
  });

  it('never passes --project-directory', () => {
    const { args } = composeArgv({ command: ['docker', 'compose'] }, target, ['up', '-d']);
    expect(args).not.toContain('--project-directory');
  });

  it.each([
    { ...target, composeFile: 'extern/chainlit-datalayer/compose.yaml' },
    { ...target, envFile: '.env' },
  ])('refuses relative paths (%j)', (relative) => {
    expect(() => composeArgv({ command: ['docker', 'compose'] }, relative, ['ps'])).toThrow(/must be absolute/);
  });
});
