import { main } from '../../src/main';
import { version } from '../../package.json';
import { collector } from '../integration/get-support';

async function cli(argv: string[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await main(argv, { env: {}, stdout, stderr, cwd: process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('the command line', () => {
  it.each(['get', 'run', 'undo', 'demo', 'sandbox'])(
    '`%s --help` lists its flags and ends with examples',
    async (cmd) => {
      const res = await cli([cmd, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`Usage: rollback ${cmd} [options]`);
      const examples = res.stdout.slice(res.stdout.indexOf('Examples:'));
      expect(res.stdout.indexOf('Examples:')).toBeGreaterThan(0);
      // Every example is a command of this very command (or the npm script that runs it).
      for (const line of examples.split('\n').filter((l) => l.startsWith('  $ '))) {
        expect(line).toMatch(new RegExp(`(rollback ${cmd}|npm run ${cmd})( |$)`));
      }
      expect(res.stderr).toBe('');
    },
  );

  it('top-level --help names every command and the exit codes', async () => {
    const res = await cli(['--help']);
    expect(res.code).toBe(0);
    for (const cmd of ['get', 'run', 'undo', 'demo', 'sandbox'])
      expect(res.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    expect(res.stdout).toMatch(/Exit codes: 0 done, 1 rollback failed, 2 bad input or usage, 3 /);
  });

  it('--version prints the package version on stdout', async () => {
    const res = await cli(['--version']);
    expect(res).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [
      ['get', '--registry', 'https://r.example', '--repo', 'a', '--env', 'develop', '--pwd', 'x'],
      /unknown option '--pwd'/,
    ],
    [['run', '--date', '2026-11-27', '--group', '/ds/dev'], /--marathon|--dcos/],
    [
      ['run', '--date', '2026-11-27', '--group', '/ds/dev', '--marathon', 'http://a', '--dcos', 'http://b'],
      /cannot be used with/,
    ],
    [
      ['run', '--date', '2026-11-27', '--group', '/ds/dev', '--marathon', 'http://a', '--timeout', '0'],
      /whole number >= 1/,
    ],
    [
      [
        'run',
        '--date',
        '2026-11-27',
        '--group',
        '/ds/dev',
        '--marathon',
        'http://a',
        '--on-failure',
        'maybe',
      ],
      /revert, keep|"revert", "keep"/,
    ],
    [['undoo'], /unknown command 'undoo'/],
  ])('bad usage %j is exit 2 with one line on stderr', async (argv, message) => {
    const res = await cli(argv);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^rollback: /);
    expect(res.stderr).toMatch(message);
  });
});
