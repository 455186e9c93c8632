import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { main, report } from '../../src/main';
import { version } from '../../package.json';
import { helpSections, requiredOption } from '../../src/cli/rules';
import { get } from '../../src/commands/get';
import { run } from '../../src/commands/run';
import { undo } from '../../src/commands/undo';
import { RollbackFailedError, UnavailableError, UsageError } from '../../src/errors';
import { clearSecrets } from '../../src/util/secrets';
import { collector } from '../integration/get-support';

// The commands themselves are replaced: these tables are about what reaches them, and what the
// user sees when the command line or a command fails.
jest.mock('../../src/commands/get', () => ({ get: jest.fn() }));
jest.mock('../../src/commands/run', () => ({ run: jest.fn() }));
jest.mock('../../src/commands/undo', () => ({ undo: jest.fn() }));
const commands = { get: jest.mocked(get), run: jest.mocked(run), undo: jest.mocked(undo) };

beforeEach(() => {
  for (const mock of Object.values(commands)) mock.mockReset().mockResolvedValue(0);
});
afterAll(() => clearSecrets());

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = collector();
  const stderr = collector();
  const code = await main(argv, { env, stdout, stderr, cwd: process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The items of a help section (`Options:`, `Environment ...:`), continuation lines joined. */
function section(help: string, title: string): Map<string, string> {
  const body = help.split(new RegExp(`^${title}.*:\\n`, 'm'))[1]?.split(/\n\n/)[0] ?? '';
  const items = new Map<string, string>();
  let key = '';
  for (const line of body.split('\n')) {
    const item = /^ {2}(\S+(?: \S+)*)(?: {2,}(.*))?$/.exec(line);
    if (item) items.set((key = item[1]!), item[2] ?? '');
    else items.set(key, `${items.get(key)} ${line.trim()}`);
  }
  return items;
}

const D = '2026-11-27';
const M = 'https://marathon.test';

describe('--help', () => {
  it.each([
    {
      cmd: 'get',
      required: ['--registry <url>', '--repo <names>', '--env <suffix>'],
      variables: [
        'ROLLBACK_REGISTRY',
        'ROLLBACK_DUMP',
        'REGISTRY_USER',
        'REGISTRY_PASSWORD',
        'XDG_CACHE_HOME',
      ],
      absent: ['ROLLBACK_MARATHON', 'DCOS_TOKEN'],
      exitCodes: ['0', '1', '2', '3'],
    },
    {
      cmd: 'run',
      required: [
        '--date <YYYY-MM-DD>',
        '--at <instant>',
        '--group <path>',
        '--marathon <url>',
        '--dcos <url>',
      ],
      variables: [
        'ROLLBACK_MARATHON',
        'ROLLBACK_DCOS',
        'ROLLBACK_GROUP',
        'ROLLBACK_DUMP',
        'MARATHON_USER',
        'MARATHON_PASSWORD',
        'DCOS_USER',
        'DCOS_PASSWORD',
        'DCOS_TOKEN',
        'DCOS_SERVICE_ACCOUNT_ID',
        'DCOS_SERVICE_ACCOUNT_KEY',
        'DCOS_SERVICE_ACCOUNT_KEY_FILE',
        'REGISTRY_USER',
        'REGISTRY_PASSWORD',
        'SLACK_WEBHOOK_URL',
        'ROLLBACK_APPROVER',
        'BUILD_URL',
      ],
      absent: ['ROLLBACK_REGISTRY'],
      exitCodes: ['0', '1', '2', '3', '4'],
    },
    {
      cmd: 'undo',
      required: ['--journal <file>'],
      variables: [
        'MARATHON_USER',
        'DCOS_USER',
        'DCOS_TOKEN',
        'DCOS_SERVICE_ACCOUNT_KEY_FILE',
        'SLACK_WEBHOOK_URL',
      ],
      // The journal names the Marathon to undo on; a default for another cluster must not win.
      absent: ['ROLLBACK_MARATHON', 'ROLLBACK_DCOS', 'ROLLBACK_GROUP'],
      exitCodes: ['0', '1', '2', '3', '4'],
    },
    { cmd: 'demo', required: [], variables: [], absent: ['ROLLBACK_DUMP'], exitCodes: ['0', '1', '2'] },
    { cmd: 'sandbox', required: [], variables: [], absent: [], exitCodes: ['0', '1', '2'] },
    { cmd: 'completion', required: [], variables: [], absent: [], exitCodes: ['0', '1', '2'] },
  ])(
    '`$cmd --help` marks required flags, names the variables it reads and its exit codes, and ends with examples',
    async ({ cmd, required, variables, absent, exitCodes }) => {
      const res = await cli([cmd, '--help']);
      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toMatch(new RegExp(`^Usage: rollback ${cmd} `));

      const options = section(res.stdout, 'Options');
      expect([...options].filter(([, text]) => /\brequired\b/.test(text)).map(([flag]) => flag)).toEqual(
        required,
      );
      const environment = [...section(res.stdout, 'Environment').keys()].join(', ');
      for (const name of variables) expect(environment).toMatch(new RegExp(`\\b${name}\\b`));
      for (const name of absent) expect(res.stdout).not.toMatch(new RegExp(`\\b${name}\\b`));
      expect([...section(res.stdout, 'Exit codes').keys()]).toEqual(exitCodes);

      // Every example is a command of this very command (or the npm script that runs it).
      const examples = res.stdout.slice(res.stdout.indexOf('\nExamples:'));
      expect(res.stdout.indexOf('\nExamples:')).toBeGreaterThan(res.stdout.indexOf('\nExit codes:'));
      for (const line of examples.split('\n').filter((l) => l.startsWith('  $ '))) {
        expect(line).toMatch(new RegExp(`(rollback ${cmd}|npm run ${cmd})( |\\)|$)`));
      }
    },
  );

  it('names ROLLBACK_* defaults in the flags they stand for', async () => {
    const options = section((await cli(['run', '--help'])).stdout, 'Options');
    expect(options.get('--group <path>')).toMatch(/\(required; default: \$ROLLBACK_GROUP\)$/);
    expect(options.get('--dcos <url>')).toMatch(/\(this or --marathon required; default: \$ROLLBACK_DCOS\)$/);
    expect(options.get('--dump <dir>')).toMatch(/\(default: \$ROLLBACK_DUMP, else \.\)$/);
  });

  it('lists exit code 4 for a command that takes --expect-plan, and only there', () => {
    const withPlan = requiredOption(
      new Command('x'),
      new Option('--expect-plan <file>', 'the confirmed plan'),
    );
    const without = requiredOption(new Command('y'), new Option('--journal <file>', 'a journal'));
    expect(helpSections(withPlan)).toMatch(/^ {2}4 {2}--expect-plan: /m);
    expect(helpSections(without)).not.toMatch(/^ {2}4 /m);
  });

  it('lists every variable the helper reads in the help of a command that reads it', async () => {
    const read = new Set<string>();
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = path.join(dir, f);
        return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
      });
    const src = path.join(__dirname, '..', '..', 'src');
    for (const file of walk(src).filter((f) => !f.includes(`${path.sep}sandbox${path.sep}`))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[\s*'([A-Z][A-Z0-9_]+)'\s*\])/g))
        read.add(m[1] ?? m[2]!);
      for (const m of text.matchAll(/\bpair\(env, '([A-Z_]+)', '([A-Z_]+)'\)/g)) read.add(m[1]!).add(m[2]!);
    }
    // HOME only places the default cache (~/.cache); FORCE_COLOR is the usual counterpart of NO_COLOR.
    for (const name of ['HOME', 'FORCE_COLOR']) read.delete(name);
    expect(read.size).toBeGreaterThan(10);
    const helps = await Promise.all(
      ['get', 'run', 'undo'].map(async (c) => (await cli([c, '--help'])).stdout),
    );
    expect([...read].filter((name) => !helps.some((h) => new RegExp(`\\b${name}\\b`).test(h)))).toEqual([]);
  });

  it('top-level --help names every command, the exit codes and the ROLLBACK_* defaults', async () => {
    const res = await cli(['--help']);
    expect(res.code).toBe(0);
    for (const cmd of ['get', 'run', 'undo', 'demo', 'sandbox', 'completion'])
      expect(res.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    expect(res.stdout).toMatch(/Exit codes: 0 done, 1 rollback failed, 2 bad input or usage, 3 /);
    for (const name of [
      'ROLLBACK_REGISTRY',
      'ROLLBACK_MARATHON',
      'ROLLBACK_DCOS',
      'ROLLBACK_GROUP',
      'ROLLBACK_DUMP',
    ])
      expect(res.stdout).toContain(name);
  });

  it('--version prints the package version on stdout', async () => {
    const res = await cli(['--version']);
    expect(res).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('defaults from the environment', () => {
  const GET = ['get', '--repo', 'shop/api', '--env', 'develop'];
  const RUN = ['run', '--date', D];
  it.each<[string, keyof typeof commands, string[], NodeJS.ProcessEnv, Record<string, unknown>]>([
    [
      'get: --registry from ROLLBACK_REGISTRY',
      'get',
      GET,
      { ROLLBACK_REGISTRY: 'https://r.env' },
      { registry: 'https://r.env' },
    ],
    [
      'get: --registry wins over ROLLBACK_REGISTRY',
      'get',
      [...GET, '--registry', 'https://r.flag'],
      { ROLLBACK_REGISTRY: 'https://r.env' },
      { registry: 'https://r.flag' },
    ],
    [
      'get: --dump from ROLLBACK_DUMP',
      'get',
      [...GET, '--registry', 'https://r'],
      { ROLLBACK_DUMP: '/var/tmp/rb' },
      { dump: '/var/tmp/rb' },
    ],
    [
      'get: --dump wins over ROLLBACK_DUMP',
      'get',
      [...GET, '--registry', 'https://r', '--dump', 'here'],
      { ROLLBACK_DUMP: '/var/tmp/rb' },
      { dump: 'here' },
    ],
    [
      'get: neither: the command decides (.)',
      'get',
      [...GET, '--registry', 'https://r'],
      {},
      { dump: undefined },
    ],
    [
      'run: every connection default at once',
      'run',
      RUN,
      { ROLLBACK_MARATHON: M, ROLLBACK_GROUP: '/ds/dev', ROLLBACK_DUMP: '/var/tmp/rb' },
      { marathon: M, dcos: undefined, group: '/ds/dev', dump: '/var/tmp/rb' },
    ],
    [
      'run: --dcos from ROLLBACK_DCOS',
      'run',
      [...RUN, '--group', '/g'],
      { ROLLBACK_DCOS: 'https://d' },
      { dcos: 'https://d' },
    ],
    [
      'run: --dcos given, so ROLLBACK_MARATHON is not read',
      'run',
      [...RUN, '--group', '/g', '--dcos', 'https://d'],
      { ROLLBACK_MARATHON: M },
      { dcos: 'https://d', marathon: undefined },
    ],
    [
      'run: --marathon given, so neither ROLLBACK_DCOS nor ROLLBACK_MARATHON is read',
      'run',
      [...RUN, '--group', '/g', '--marathon', 'https://m.flag'],
      { ROLLBACK_DCOS: 'https://d', ROLLBACK_MARATHON: M },
      { marathon: 'https://m.flag', dcos: undefined },
    ],
    [
      'run: --group wins over ROLLBACK_GROUP',
      'run',
      [...RUN, '--marathon', M, '--group', '/ds/stage'],
      { ROLLBACK_GROUP: '/ds/dev' },
      { group: '/ds/stage' },
    ],
    [
      'run: an empty variable counts as unset',
      'run',
      [...RUN, '--marathon', M, '--group', '/g'],
      { ROLLBACK_DUMP: '', ROLLBACK_DCOS: '' },
      { dump: undefined, dcos: undefined, marathon: M },
    ],
    [
      'undo: ROLLBACK_MARATHON is not read (the journal names its Marathon)',
      'undo',
      ['undo', '--journal', 'rollback-journal.json'],
      { ROLLBACK_MARATHON: M, ROLLBACK_DCOS: 'https://d' },
      { marathon: undefined, dcos: undefined },
    ],
  ])('%s', async (_what, command, argv, env, expected) => {
    const res = await cli(argv, env);
    expect(res).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(commands[command]).toHaveBeenCalledTimes(1);
    const options = commands[command].mock.calls[0]![0] as Record<string, unknown>;
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, options[k]]))).toEqual(expected);
  });
});

describe('bad usage', () => {
  it.each<[string[], RegExp, NodeJS.ProcessEnv?]>([
    [
      ['get', '--registry', 'https://r.example', '--repo', 'a', '--env', 'develop', '--pwd', 'x'],
      /unknown option '--pwd'/,
    ],
    // An unknown flag is named before a missing required one.
    [['get', '--bogus'], /^rollback: unknown option '--bogus'/],
    [['run', '--bogus'], /^rollback: unknown option '--bogus'/],
    [
      ['get', '--repo', 'a', '--env', 'develop'],
      /required option '--registry <url>' not specified \(or set ROLLBACK_REGISTRY; see --help\)/,
    ],
    [
      ['run', '--date', D, '--group', '/ds/dev'],
      /required option '--marathon <url>' or '--dcos <url>' not specified \(or set ROLLBACK_MARATHON or ROLLBACK_DCOS/,
    ],
    [
      ['run', '--date', D, '--marathon', M],
      /required option '--group <path>' not specified/,
      { ROLLBACK_GROUP: '' },
    ],
    [
      ['run', '--date', D, '--group', '/ds/dev', '--marathon', 'http://a', '--dcos', 'http://b'],
      /option '--marathon <url>' cannot be used with option '--dcos <url>'/,
    ],
    [
      ['run', '--date', D, '--group', '/ds/dev'],
      /ROLLBACK_MARATHON and ROLLBACK_DCOS are both set \(choose with --marathon or --dcos, or unset one\)/,
      { ROLLBACK_MARATHON: M, ROLLBACK_DCOS: 'https://d' },
    ],
    [
      ['run', '--date', D, '--group', '/ds/dev', '--marathon', 'http://a', '--timeout', '0'],
      /whole number >= 1/,
    ],
    [
      ['run', '--date', D, '--group', '/ds/dev', '--marathon', 'http://a', '--on-failure', 'maybe'],
      /revert, keep|"revert", "keep"/,
    ],
    [['undoo'], /unknown command 'undoo'/],
    [['completion', 'fish'], /value 'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh/],
  ])('%j is exit 2 with one line on stderr, and no command runs', async (argv, message, env = {}) => {
    const res = await cli(argv, env);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^rollback: /);
    expect(res.stderr).toMatch(message);
    for (const mock of Object.values(commands)) expect(mock).not.toHaveBeenCalled();
  });
});

describe('--json: a failure is one JSON object on stdout too', () => {
  const SECRET = 'pa55-W0rd-for-the-registry';
  it.each<{
    what: string;
    argv: string[];
    env?: NodeJS.ProcessEnv;
    fails?: () => never;
    json: { exitCode: number; error: RegExp; hint?: RegExp };
  }>([
    {
      what: 'an unknown flag',
      argv: ['get', '--json', '--bogus'],
      json: { exitCode: 2, error: /^unknown option '--bogus'$/, hint: /^see --help$/ },
    },
    {
      what: 'a bad value before --json',
      argv: ['get', '--keep', 'x', '--json'],
      json: {
        exitCode: 2,
        error: /^option '--keep <n>' argument 'x' is invalid\. expected a whole number >= 1$/,
      },
    },
    {
      what: 'a missing required flag',
      argv: ['run', '--json', '--date', D, '--marathon', M],
      json: {
        exitCode: 2,
        error: /^required option '--group <path>' not specified$/,
        hint: /ROLLBACK_GROUP/,
      },
    },
    {
      what: 'an unknown command',
      argv: ['undoo', '--json'],
      json: { exitCode: 2, error: /^unknown command 'undoo' \(Did you mean undo\?\)$/ },
    },
    {
      what: 'a refusal by the command of a value taken from the environment',
      argv: ['run', '--json', '--date', D, '--marathon', M],
      env: { ROLLBACK_GROUP: 'ds/dev' },
      fails: () => {
        throw new UsageError('--group "ds/dev" is not a group path', { hint: 'e.g. /ds/dev' });
      },
      json: {
        exitCode: 2,
        error: /^--group \(from ROLLBACK_GROUP\) "ds\/dev" is not a group path$/,
        hint: /^e\.g\. \/ds\/dev$/,
      },
    },
    {
      what: 'a refusal that quotes a secret',
      argv: ['get', '--json', '--registry', 'https://r', '--repo', 'a', '--env', 'develop'],
      env: { REGISTRY_USER: 'ci', REGISTRY_PASSWORD: SECRET },
      fails: () => {
        throw new UnavailableError(`the registry refused ci:${SECRET}`, { hint: `not ${SECRET}` });
      },
      json: { exitCode: 3, error: /^the registry refused \*\*\*$/, hint: /^not \*\*\*$/ },
    },
    {
      what: 'a bug',
      argv: ['get', '--json', '--registry', 'https://r', '--repo', 'a', '--env', 'develop'],
      fails: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'tag')");
      },
      json: { exitCode: 1, error: /^internal error: Cannot read properties/, hint: /bug in rollback/ },
    },
  ])('$what', async ({ argv, env = {}, fails, json }) => {
    if (fails) for (const mock of Object.values(commands)) mock.mockImplementation(async () => fails());
    const res = await cli(argv, env);
    expect(res.code).toBe(json.exitCode);
    expect(res.stdout.endsWith('\n')).toBe(true);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(1);
    const object = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(Object.keys(object)).toEqual(['ok', 'exitCode', 'error', ...(object.hint ? ['hint'] : [])]);
    expect(object).toMatchObject({ ok: false, exitCode: res.code });
    expect(object.error).toMatch(json.error);
    if (json.hint) expect(object.hint).toMatch(json.hint);
    // stderr keeps its line (a bug: its stack too, which the JSON leaves out).
    expect(res.stderr).toContain(`rollback: ${object.error as string}`);
    if (json.exitCode !== 1) expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stdout).not.toContain('    at ');
    expect(`${res.stdout}${res.stderr}`).not.toContain(SECRET);
  });

  it('leaves stdout to a command that printed its own JSON result before failing', async () => {
    const result = '{"command":"run","outcome":"failed","ok":false}\n';
    commands.run.mockImplementation(async (_options, ctx) => {
      ctx.stdout.write(result);
      throw new RollbackFailedError('the rollback to 2026-11-27 failed (api: timed out)');
    });
    const res = await cli(['run', '--json', '--date', D, '--marathon', M, '--group', '/g']);
    expect(res).toEqual({
      code: 1,
      stdout: result,
      stderr: 'rollback: the rollback to 2026-11-27 failed (api: timed out)\n',
    });
  });

  it('prints nothing on stdout without --json, nor for a `--json` after `--`', async () => {
    commands.get.mockRejectedValue(new UsageError('no such repository'));
    const GET = ['get', '--registry', 'https://r', '--repo', 'a', '--env', 'develop'];
    expect(await cli(GET)).toEqual({ code: 2, stdout: '', stderr: 'rollback: no such repository\n' });
    expect(await cli([...GET, '--', '--json'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: /too many arguments/,
    });
  });

  it('leaves out a hint there is none of', async () => {
    const stdout = collector();
    const stderr = collector();
    expect(report(new UsageError('x'), { stdout, stderr }, { json: true })).toBe(2);
    expect(JSON.parse(stdout.text)).toEqual({ ok: false, exitCode: 2, error: 'x' });
  });
});
