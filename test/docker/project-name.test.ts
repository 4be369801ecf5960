import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/support/errors.js';
import { composeProjectName, normalizeProjectName } from '../../src/runtimes/docker/project-name.js';

describe('composeProjectName', () => {
  it.each([
    ['/home/dev/My Host', {}, 'myhost'],
    ['/home/dev/openrag', {}, 'openrag'],
    ['/home/dev/OpenRAG.v2', {}, 'openragv2'],
    ['/home/dev/_my-app_', {}, 'my-app_'],
    ['/home/dev/--x', {}, 'x'],
    ['/home/dev/Été 2024', {}, 't2024'],
    ['/home/dev/app/', {}, 'app'],
    ['/home/dev/My Host', { COMPOSE_PROJECT_NAME: 'foo' }, 'foo'],
    ['/home/dev/My Host', { COMPOSE_PROJECT_NAME: '' }, 'myhost'],
    ['/home/dev/My Host', { COMPOSE_PROJECT_NAME: '9lives_x-y' }, '9lives_x-y'],
  ])('%s with %j is %s', (hostDir, env, expected) => {
    expect(composeProjectName(hostDir, env)).toBe(expected);
  });

  it.each(['/home/dev/___', '/home/dev/日本', '/'])('refuses %s, which normalises to nothing', (hostDir) => {
    expect(() => composeProjectName(hostDir, {})).toThrow(ConfigError);
    expect(() => composeProjectName(hostDir, {})).toThrow(/COMPOSE_PROJECT_NAME|project name/);
    try {
      composeProjectName(hostDir, {});
    } catch (error) {
      expect((error as ConfigError).hint).toContain('COMPOSE_PROJECT_NAME');
    }
  });

  it.each(['Foo', '-foo', '_foo', 'my app'])('refuses COMPOSE_PROJECT_NAME=%j instead of normalising it', (name) => {
    expect(() => composeProjectName('/home/dev/host', { COMPOSE_PROJECT_NAME: name })).toThrow(ConfigError);
  });

  it('normalises like Compose', () => {
    expect(normalizeProjectName('-_A.b C-d_')).toBe('abc-d_');
  });
});
