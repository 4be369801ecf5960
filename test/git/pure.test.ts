import { describe, expect, it } from 'vitest';
import { assertNotOption, isLocalUrl } from '../../src/git/arguments.js';
import { gitEnvironment } from '../../src/git/git-environment.js';
import { findDataLayerEntry, normalizeSubmodulePath, parseGitmodulesListing } from '../../src/git/gitmodules.js';
import { parsePorcelainStatus } from '../../src/git/submodule-state.js';
import { UsageError } from '../../src/support/errors.js';

describe('parseGitmodulesListing', () => {
  it('reads path, url and branch per section, in file order', () => {
    const listing =
      'submodule.extern/chainlit-datalayer.path\nextern/chainlit-datalayer\0' +
      'submodule.extern/chainlit-datalayer.url\nhttps://github.com/OpenLLM-France/chainlit-datalayer.git\0' +
      'submodule.other.path\nvendor/other/\0submodule.other.url\n../other.git\0submodule.other.branch\nstable\0';
    expect(parseGitmodulesListing(listing)).toEqual([
      {
        name: 'extern/chainlit-datalayer',
        path: 'extern/chainlit-datalayer',
        url: 'https://github.com/OpenLLM-France/chainlit-datalayer.git',
        branch: undefined,
      },
      { name: 'other', path: 'vendor/other', url: '../other.git', branch: 'stable' },
    ]);
  });

  it('skips sections without a path and keys it does not know', () => {
    expect(parseGitmodulesListing('submodule.x.url\nu\0submodule.y.path\ny\0submodule.y.update\nnone\0core.bare\nfalse\0')).toEqual([
      { name: 'y', path: 'y', url: undefined, branch: undefined },
    ]);
  });

  it('keeps dots in section names (the name is everything between the first and last dot)', () => {
    expect(parseGitmodulesListing('submodule.a.b.path\nx\0')[0]?.name).toBe('a.b');
  });
});

describe('findDataLayerEntry', () => {
  const entries = [
    { name: 'ui', path: 'vendor/ui', url: 'https://example.test/ui.git', branch: undefined },
    { name: 'dl', path: 'third_party/dl', url: 'git@github.com:someone/chainlit-datalayer.git', branch: undefined },
  ];
  it.each([
    ['the exact path wins', 'vendor/ui', true, 'ui'],
    ['with a chosen path, nothing else is considered', 'extern/chainlit-datalayer', true, undefined],
    ['with the default path, an entry whose URL names chainlit-datalayer is found', 'extern/chainlit-datalayer', false, 'dl'],
  ])('%s', (_title, wanted, chosen, expected) => {
    expect(findDataLayerEntry(entries, wanted, chosen)?.name).toBe(expected);
  });
});

describe('normalizeSubmodulePath', () => {
  it.each([
    ['./extern/x/', 'extern/x'],
    ['extern\\x', 'extern/x'],
    ['extern/x', 'extern/x'],
  ])('%s -> %s', (input, expected) => expect(normalizeSubmodulePath(input)).toBe(expected));
});

describe('parsePorcelainStatus', () => {
  it('lists modified, staged, deleted and renamed files', () => {
    expect(parsePorcelainStatus(' M compose.yaml\0A  new.sql\0 D gone.txt\0R  to.txt\0from.txt\0')).toEqual([
      ' M compose.yaml',
      'A  new.sql',
      ' D gone.txt',
      'R  from.txt -> to.txt',
    ]);
  });
  it('an empty listing is a clean tree', () => {
    expect(parsePorcelainStatus('')).toEqual([]);
  });
});

describe('isLocalUrl', () => {
  it.each([
    ['/srv/git/chainlit-datalayer.git', true],
    ['../chainlit-datalayer.git', true],
    ['./dl', true],
    ['file:///srv/git/dl.git', true],
    ['C:\\repos\\dl.git', true],
    ['https://github.com/OpenLLM-France/chainlit-datalayer.git', false],
    ['ssh://git@example.test/dl.git', false],
    ['git@github.com:OpenLLM-France/chainlit-datalayer.git', false],
  ])('%s -> %s', (url, expected) => expect(isLocalUrl(url)).toBe(expected));
});

describe('assertNotOption', () => {
  it.each(['--upload-pack=touch /tmp/x', '-b', '-'])('refuses %j', (value) => {
    expect(() => assertNotOption('--ref', value)).toThrow(UsageError);
  });
  it.each(['', ' ', 'main\nx'])('refuses empty or control characters %j', (value) => {
    expect(() => assertNotOption('--ref', value)).toThrow(UsageError);
  });
  it.each(['main', 'v1.2.0', 'feature/-x', '5e185fd'])('accepts %j', (value) => {
    expect(() => assertNotOption('--ref', value)).not.toThrow();
  });
});

describe('gitEnvironment', () => {
  it('drops editor and pager choices, vouches for the SSH command the user set, turns prompts off without a terminal', () => {
    const { env, unsafe } = gitEnvironment(
      { PATH: '/bin', EDITOR: 'vim', GIT_PAGER: 'less', GIT_SSH_COMMAND: 'ssh -i key', HOME: '/home/u' },
      { interactive: false },
    );
    expect(env).toEqual({ PATH: '/bin', GIT_SSH_COMMAND: 'ssh -i key', HOME: '/home/u', GIT_TERMINAL_PROMPT: '0' });
    expect(unsafe).toEqual({ allowUnsafeSshCommand: true });
  });
  it('leaves prompts alone on a terminal and grants nothing for an ordinary environment', () => {
    const { env, unsafe } = gitEnvironment({ PATH: '/bin' }, { interactive: true });
    expect(env).toEqual({ PATH: '/bin' });
    expect(unsafe).toEqual({});
  });
});
