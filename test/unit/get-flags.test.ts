import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/main';
import { normalizeRegistryUrl } from '../../src/commands/get';
import { collector } from '../integration/get-support';

/**
 * Every flag of `get` is checked before the first request: bad input is exit 2 with one line on
 * stderr, and nothing is written. The registry host does not exist and nock blocks the network, so
 * a check that came too late would show up as exit 3 instead.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-flags-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const valid: Record<string, string> = {
  '--registry': 'https://registry.invalid',
  '--repo': 'shop/api',
  '--env': 'develop',
};

async function get(overrides: Record<string, string | undefined>, env: NodeJS.ProcessEnv = {}) {
  const flags = { ...valid, '--dump': dir, '--no-cache': '', ...overrides };
  const argv = Object.entries(flags).flatMap(([k, v]) => (v === undefined ? [] : v === '' ? [k] : [k, v]));
  const stdout = collector();
  const stderr = collector();
  const code = await main(['get', ...argv], { env, stdout, stderr, cwd: dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('get refuses bad input before any request', () => {
  it.each<[string, Record<string, string | undefined>, NodeJS.ProcessEnv, RegExp]>([
    [
      'a registry that is not a URL',
      { '--registry': 'registry.example.com' },
      {},
      /--registry "registry.example.com" is not a URL \(give the base URL with its scheme/,
    ],
    [
      'a registry of another scheme',
      { '--registry': 'ftp://registry.example.com' },
      {},
      /must be an http or https URL/,
    ],
    [
      'credentials in the registry URL',
      { '--registry': 'https://u:pw@registry.example.com' },
      {},
      /must not contain credentials \(put them in REGISTRY_USER and REGISTRY_PASSWORD\)/,
    ],
    [
      'a registry URL ending in /v2',
      { '--registry': 'https://registry.example.com/v2/' },
      {},
      /ends in \/v2/,
    ],
    [
      'an upper-case repository name',
      { '--repo': 'shop/api,Shop/Web' },
      {},
      /--repo "Shop\/Web" is not a repository name/,
    ],
    [
      'an empty path component',
      { '--repo': 'shop//api' },
      {},
      /--repo "shop\/\/api" is not a repository name/,
    ],
    ['no repository at all', { '--repo': ',' }, {}, /--repo names no repository/],
    ['an environment with a space', { '--env': 'dev elop' }, {}, /--env "dev elop" is not a tag suffix/],
    ['--keep 0', { '--keep': '0' }, {}, /--keep <n>' argument '0' is invalid/],
    ['an unknown time zone', { '--tz': 'Europe/Atlantis' }, {}, /--tz "Europe\/Atlantis" is not a time zone/],
    [
      'an invalid tag pattern',
      { '--tag-pattern': '([0-9]+-{env}' },
      {},
      /--tag-pattern .* is not a valid regular expression/,
    ],
    ['--concurrency 0', { '--concurrency': '0' }, {}, /--concurrency <n>' argument '0' is invalid/],
    [
      '--concurrency 1000',
      { '--concurrency': '1000' },
      {},
      /--concurrency must be between 1 and 64, got 1000/,
    ],
    ['a missing --env', { '--env': undefined }, {}, /required option '--env <suffix>' not specified/],
    ['an unknown flag', { '--frobnicate': 'x' }, {}, /unknown option '--frobnicate'/],
    [
      'a user without a password',
      {},
      { REGISTRY_USER: 'ci' },
      /REGISTRY_PASSWORD is empty but REGISTRY_USER is set/,
    ],
    [
      'a password without a user',
      {},
      { REGISTRY_PASSWORD: 'pw-1234' },
      /REGISTRY_USER is empty but REGISTRY_PASSWORD is set/,
    ],
    [
      'an unreadable --ca-file',
      { '--ca-file': '/nonexistent/ca.pem' },
      {},
      /--ca-file \/nonexistent\/ca.pem cannot be read/,
    ],
  ])('%s', async (_what, overrides, env, message) => {
    const res = await get(overrides, env);
    expect(res.code).toBe(2);
    expect(res.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(res.stderr).toMatch(/^rollback: /);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a --dump that is a file', async () => {
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const res = await get({ '--dump': file });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`rollback: --dump ${file} is not a folder\n`);
  });

  it('gets as far as the network with valid flags (exit 3: the host does not exist)', async () => {
    const res = await get({ '--dump': path.join(dir, 'new-folder') });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /^rollback: cannot reach https:\/\/registry\.invalid while checking the registry/m,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the registry URL', () => {
  it.each([
    ['https://registry.example.com', 'https://registry.example.com'],
    ['https://registry.example.com/', 'https://registry.example.com'],
    ['HTTP://Registry.Example.com:5000//', 'http://registry.example.com:5000'],
    ['https://host.test/artifactory/api/docker/repo/', 'https://host.test/artifactory/api/docker/repo'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRegistryUrl(input)).toBe(expected);
  });
});
