import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStoryWorld, type StoryWorld } from '../../src/sandbox/world';
import { requireBinary } from '../support/binaries';
import { spawnCollect } from '../support/spawn';
import { BUNDLE, changingRequests, readJson, runBundle } from './run-fixture';

/**
 * The command line's manners, end to end: the bundled helper as a child process against the
 * demo's world (embedded registry with basic auth, Marathon emulator in DC/OS mode). Defaults
 * from ROLLBACK_* variables, JSON on stdout for every failure with --json, and a reader that
 * closes stdout or stderr early.
 */
const SECRETS = { registry: 'cli-Registry-pw-7781', dcos: 'cli-Dcos-pw-5519' };
const CREDENTIALS = {
  REGISTRY_USER: 'ci-reader',
  REGISTRY_PASSWORD: SECRETS.registry,
  DCOS_USER: 'oncall',
  DCOS_PASSWORD: SECRETS.dcos,
};
const REPOS = 'shop/frontend,shop/api,shop/billing';
/** A port nothing listens on: a default taken from the wrong variable would fail with exit 3. */
const NOWHERE = 'http://127.0.0.1:9';

let world: StoryWorld;
let dump: string;
let yesterday: string;

beforeAll(async () => {
  world = await startStoryWorld({
    deploymentMs: 300,
    registry: { basic: { user: CREDENTIALS.REGISTRY_USER, password: SECRETS.registry } },
    marathon: { mode: 'dcos', users: { [CREDENTIALS.DCOS_USER]: SECRETS.dcos } },
  });
  dump = mkdtempSync(path.join(os.tmpdir(), 'rollback-cli-'));
});
afterAll(async () => {
  await world?.stop();
  rmSync(dump, { recursive: true, force: true });
});

function expectNoSecret(...texts: string[]) {
  for (const secret of Object.values(SECRETS)) expect(texts.join('\n')).not.toContain(secret);
}

describe('defaults from the environment', () => {
  it('get reads the registry from ROLLBACK_REGISTRY and writes to ROLLBACK_DUMP; --json describes it', async () => {
    const res = await runBundle(
      ['get', '--repo', REPOS, '--env', 'develop', '--no-cache', '--json', '--insecure'],
      {
        ...CREDENTIALS,
        ROLLBACK_REGISTRY: world.registryUrl,
        ROLLBACK_DUMP: dump,
      },
    );
    expect(res.code).toBe(0);
    expectNoSecret(res.stdout, res.stderr);
    const result = JSON.parse(res.stdout);
    const catalog = path.join(dump, 'rollback.json');
    expect(result).toEqual({
      ok: true,
      dates: readJson(catalog).offeredDates,
      catalog,
      // The story's develop releases: frontend 6, api 8 (the 1.5.1 hotfix among them), billing 5, all dated.
      repositories: [
        {
          name: 'shop/frontend',
          images: 6,
          undated: 0,
          newest: { tag: '1.6.0-develop', created: expect.any(String) },
        },
        {
          name: 'shop/api',
          images: 8,
          undated: 0,
          newest: { tag: '1.7.0-develop', created: expect.any(String) },
        },
        {
          name: 'shop/billing',
          images: 5,
          undated: 0,
          newest: { tag: '1.5.0-develop', created: expect.any(String) },
        },
      ],
      // The same lines as on stderr, without the prefix.
      warnings: [
        expect.stringMatching(/^--insecure: TLS certificates of http:\/\/127\.0\.0\.1:\d+ are not verified/),
      ],
    });
    expect(res.stderr).toContain(`warning: ${result.warnings[0]}`);
    expect(result.dates.length).toBeGreaterThan(2);
    yesterday = result.dates[1];
  });

  it('run takes DC/OS, group and dump from ROLLBACK_DCOS, ROLLBACK_GROUP and ROLLBACK_DUMP', async () => {
    const res = await runBundle(['run', '--date', yesterday, '--dry-run', '--json', '-q'], {
      ...CREDENTIALS,
      ROLLBACK_DCOS: world.marathon.url,
      ROLLBACK_GROUP: '/ds/dev',
      ROLLBACK_DUMP: dump,
    });
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(res.stdout)).toMatchObject({
      ok: true,
      outcome: 'dry-run',
      group: '/ds/dev',
      date: yesterday,
    });
    expect(changingRequests(world.marathon)).toEqual([]);
  });

  it('a flag beats the variables of its whole group: --dcos given, ROLLBACK_MARATHON is not used', async () => {
    const res = await runBundle(
      [
        'run',
        '--date',
        yesterday,
        '--dcos',
        world.marathon.url,
        '--group',
        '/ds/dev',
        '--dry-run',
        '--json',
        '-q',
      ],
      { ...CREDENTIALS, ROLLBACK_MARATHON: NOWHERE, ROLLBACK_GROUP: '/ds/prod', ROLLBACK_DUMP: dump },
    );
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, group: '/ds/dev' });
  });
});

describe('--json: every failure is one JSON object on stdout', () => {
  it.each<{ what: string; args: () => string[]; env?: () => NodeJS.ProcessEnv; code: number; error: RegExp }>(
    [
      {
        what: 'an unknown flag (before the missing required ones)',
        args: () => ['get', '--json', '--bogus'],
        code: 2,
        error: /^unknown option '--bogus'$/,
      },
      {
        what: 'both ROLLBACK_MARATHON and ROLLBACK_DCOS set, no flag to choose',
        args: () => ['run', '--json', '--date', yesterday, '--group', '/ds/dev', '--dump', dump],
        env: () => ({ ROLLBACK_MARATHON: NOWHERE, ROLLBACK_DCOS: world.marathon.url }),
        code: 2,
        error: /^ROLLBACK_MARATHON and ROLLBACK_DCOS are both set$/,
      },
      {
        what: 'a value from the environment the command refuses, named by its variable',
        args: () => ['get', '--json', '--repo', REPOS, '--env', 'develop', '--dump', dump],
        env: () => ({ ROLLBACK_REGISTRY: 'registry.example.com' }),
        code: 2,
        error: /^--registry \(from ROLLBACK_REGISTRY\) "registry\.example\.com" is not a URL$/,
      },
      {
        what: 'refused credentials (exit 3), the password nowhere',
        args: () => [
          'run',
          '--json',
          '--date',
          yesterday,
          '--dcos',
          world.marathon.url,
          '--group',
          '/ds/dev',
          '--dump',
          dump,
        ],
        env: () => ({ ...CREDENTIALS, DCOS_PASSWORD: `${SECRETS.dcos}-wrong` }),
        code: 3,
        error: /oncall/,
      },
    ],
  )('$what', async ({ args, env, code, error }) => {
    const res = await runBundle(args(), env?.() ?? {});
    expect(res.code).toBe(code);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(1);
    const object = JSON.parse(res.stdout);
    expect(object).toMatchObject({ ok: false, exitCode: code });
    expect(object.error).toMatch(error);
    // stderr keeps its one line, the same sentence.
    expect(res.stderr.trimEnd().split('\n').pop()).toBe(
      `rollback: ${object.error}${object.hint ? ` (${object.hint})` : ''}`,
    );
    expectNoSecret(res.stdout, res.stderr);
    expect(changingRequests(world.marathon)).toEqual([]);
  });
});

/** The helper with its stdout (and maybe stderr) closed by the reader before it writes. */
function closedReader(args: string[], env: NodeJS.ProcessEnv = {}, closeStderr = false) {
  return spawnCollect(
    process.execPath,
    [BUNDLE, ...args],
    { env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } },
    (child) => {
      child.stdout!.destroy();
      if (closeStderr) child.stderr!.destroy();
    },
  );
}

describe('a reader that stops reading', () => {
  it('`--help` into a closed pipe ends quietly with exit 0', async () => {
    for (const args of [['--help'], ['run', '--help'], ['completion', 'bash']]) {
      const res = await closedReader(args);
      expect({ args, code: res.code, stderr: res.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('`rollback --help | head -1` under pipefail: the first line, exit 0', async () => {
    const res = await spawnCollect(requireBinary('bash'), [
      '-c',
      `set -o pipefail; "${process.execPath}" "${BUNDLE}" --help | head -1`,
    ]);
    expect(res).toEqual({ code: 0, stdout: 'Usage: rollback [options] [command]\n', stderr: '' });
  });

  it('get still writes the catalog and exits 0 when nobody reads its stdout or stderr', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-cli-closed-'));
    try {
      const args = [
        'get',
        '--registry',
        world.registryUrl,
        '--repo',
        REPOS,
        '--env',
        'develop',
        '--no-cache',
      ];
      const quiet = await closedReader([...args, '--dump', dir], CREDENTIALS);
      expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({
        code: 0,
        stderr: expect.not.stringMatching(/EPIPE|at /),
      });
      expect(existsSync(path.join(dir, 'rollback.json'))).toBe(true);
      rmSync(path.join(dir, 'rollback.json'));
      const deaf = await closedReader([...args, '--dump', dir], CREDENTIALS, true);
      expect(deaf.code).toBe(0);
      expect(existsSync(path.join(dir, 'rollback.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
