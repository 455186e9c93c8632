import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../src/cli';
import { requireBinary } from '../support/binaries';
import { spawnCollect } from '../support/spawn';
import { collector } from './get-support';
import { runBundle } from './run-fixture';

/**
 * `rollback completion bash|zsh`, printed by the bundled helper and loaded into the real shells:
 * bash's completion function is called the way bash calls it (COMP_WORDS, COMP_CWORD); zsh's is
 * driven through a pseudo-terminal, Tab then Enter, and the words the command would have been
 * called with are read back.
 */
let dir: string;
let bashScript: string;
let zshScript: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-completion-'));
  // What file and folder completion choose from.
  mkdirSync(path.join(dir, 'plans'));
  for (const f of ['pla.json', 'journal.json', 'ca.pem', 'with space.json'])
    writeFileSync(path.join(dir, f), '');
  const bash = await runBundle(['completion', 'bash']);
  const zsh = await runBundle(['completion', 'zsh']);
  expect([bash.code, bash.stderr, zsh.code, zsh.stderr]).toEqual([0, '', 0, '']);
  bashScript = path.join(dir, 'rollback.bash');
  zshScript = path.join(dir, '_rollback');
  writeFileSync(bashScript, bash.stdout);
  writeFileSync(zshScript, zsh.stdout);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** What bash offers for the words typed so far (the last one is the word being completed). */
async function bashOffers(words: string[]): Promise<string[]> {
  const script = [
    `source ${shellQuote(bashScript)}`,
    `COMP_WORDS=(${words.map(shellQuote).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${shellQuote(words.join(' '))}`,
    '_rollback',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const res = await spawnCollect(requireBinary('bash'), ['--norc', '--noprofile', '-c', script], {
    cwd: dir,
  });
  expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
  return res.stdout.split('\n').filter(Boolean).sort();
}

describe('bash completion', () => {
  it('registers itself for `rollback` and the bundle', async () => {
    const res = await spawnCollect('bash', ['--norc', '-c', `source ${shellQuote(bashScript)}; complete -p`]);
    expect(res.stdout.split('\n')).toEqual(
      expect.arrayContaining(['complete -F _rollback rollback', 'complete -F _rollback rollback.cjs']),
    );
  });

  it.each<[string, string[], string[] | ((offers: string[]) => void)]>([
    [
      'the commands',
      ['rollback', ''],
      [
        '--help',
        '--version',
        '-V',
        '-h',
        'completion',
        'demo',
        'get',
        'history',
        'run',
        'sandbox',
        'status',
        'undo',
      ],
    ],
    ['a command from its start', ['rollback', 'r'], ['run']],
    ['a flag of the command', ['rollback', 'run', '--dry'], ['--dry-run']],
    [
      "only the command's own flags",
      ['rollback', 'get', '--'],
      (offers) => {
        expect(offers).toContain('--registry');
        expect(offers).toContain('--ca-file');
        expect(offers).not.toContain('--date');
      },
    ],
    ['the choices of --on-failure', ['rollback', 'run', '--on-failure', ''], ['keep', 'revert']],
    ['the choices after --on-failure=', ['rollback', 'run', '--on-failure', '=', 'r'], ['revert']],
    ['the choices right at --on-failure=', ['rollback', 'run', '--on-failure', '='], ['keep', 'revert']],
    ['folders for --dump', ['rollback', 'run', '--dump', ''], ['plans']],
    ['folders for --dump of get', ['rollback', 'get', '--dump', 'pl'], ['plans']],
    [
      'files for --journal, a name with a space as one',
      ['rollback', 'undo', '--journal', ''],
      (offers) =>
        expect(offers).toEqual(expect.arrayContaining(['journal.json', 'with space.json', 'plans'])),
    ],
    ['files for --ca-file', ['rollback', 'get', '--ca-file', 'c'], ['ca.pem']],
    ['nothing it cannot know (a URL)', ['rollback', 'get', '--registry', ''], []],
    ['the shells of completion', ['rollback', 'completion', ''], ['--help', '-h', 'bash', 'zsh']],
  ])('offers %s', async (_what, words, expected) => {
    const offers = await bashOffers(words);
    if (typeof expected === 'function') expected(offers);
    else expect(offers).toEqual([...expected].sort());
  });

  it('offers every flag of every command, as the command line declares them', async () => {
    const sink = collector();
    const program = buildProgram({ env: {}, stdout: sink, stderr: sink, cwd: dir }, () => {});
    expect(program.commands.length).toBeGreaterThanOrEqual(6);
    for (const cmd of program.commands) {
      const offers = await bashOffers(['rollback', cmd.name(), '-']);
      expect({
        cmd: cmd.name(),
        missing: cmd.options.map((o) => o.long!).filter((f) => !offers.includes(f)),
      }).toEqual({
        cmd: cmd.name(),
        missing: [],
      });
    }
  });
});

/**
 * Each line is typed into an interactive zsh, completed with Tab and run with Enter; `rollback`
 * there is a function that prints its arguments, so what the completion put in is read back.
 * No sleeps: zpty waits for that printout.
 */
async function zshCompletes(lines: string[]): Promise<string[]> {
  const zsh = requireBinary('zsh');
  const driver = [
    'zmodload zsh/zpty',
    `zpty z ${zsh} -f -i`,
    // The marker is split so that the echo of this very line does not match it.
    `zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -D; source ${zshScript}; rollback() { print -r -- "AR""GS:$*:E""ND" }'`,
    ...lines.flatMap((line) => [
      `zpty -w -n z ${shellQuote(line)}$'\\t\\n'`,
      `zpty -r z out '*ARGS:*:END*'`,
      'print -r -- "${${out##*ARGS:}%%:END*}"',
    ]),
    'zpty -d z',
  ].join('\n');
  let timer: NodeJS.Timeout | undefined;
  const res = await spawnCollect(zsh, ['-f', '-c', driver], { cwd: dir }, (child) => {
    // A completion that never produces its line would wait forever; this is a hang guard only.
    timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  });
  clearTimeout(timer);
  expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
  return res.stdout.trimEnd().split('\n');
}

describe('zsh completion', () => {
  it('completes commands, flags, choices, folders and files in a real zsh', async () => {
    const cases: Array<[string, string]> = [
      ['rollback r', 'run'],
      ['rollback run --dry', 'run --dry-run'],
      ['rollback run --on-failure k', 'run --on-failure keep'],
      ['rollback run --on-failure=r', 'run --on-failure=revert'],
      // Only the folder: a file (pla.json) offered too would stop at the common prefix `pla`.
      ['rollback run --dump ', 'run --dump plans'],
      ['rollback undo --journal j', 'undo --journal journal.json'],
      ['rollback get --ca-file c', 'get --ca-file ca.pem'],
      ['rollback completion z', 'completion zsh'],
    ];
    expect(await zshCompletes(cases.map(([line]) => line))).toEqual(cases.map(([, args]) => args));
  });
});
