import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandContext } from './commands/context';
import { version } from '../package.json';

/**
 * Argument definitions only. Each action imports its command lazily, so `--help` and a typo cost
 * no more than commander itself (esbuild keeps the lazy import inside the one bundle).
 */

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

function csv(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

const tlsOptions = (cmd: Command) =>
  cmd
    .option('--insecure', 'do not verify TLS certificates (explicit opt-out; avoid in production)')
    .option('--ca-file <file>', 'also trust the CA certificates (PEM) in this file');

const marathonTarget = (cmd: Command) =>
  cmd
    .addOption(
      new Option(
        '--marathon <url>',
        'plain Marathon base URL (HTTP basic from MARATHON_USER/MARATHON_PASSWORD)',
      ).conflicts('dcos'),
    )
    .option(
      '--dcos <url>',
      'DC/OS cluster URL; Marathon at URL/service/marathon, login with DCOS_* variables',
    );

const quiet = (cmd: Command) => cmd.option('-q, --quiet', 'print only warnings and the result');

/** `--help` ends with examples a user can copy, in the form the README uses. */
const examples = (cmd: Command, lines: string[]) =>
  cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);

export function buildProgram(ctx: CommandContext, setExitCode: (code: number) => void): Command {
  const program = new Command('rollback')
    .description('Roll every service of an environment back to the images it ran at one point in time.')
    .version(version, '-V, --version')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      // One line, in the same voice as every other error.
      outputError: (s, write) =>
        write(
          `rollback: ${s
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n+\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .exitOverride();
  examples(program, [
    'rollback demo',
    'rollback get --registry https://registry.example.com --repo shop/api,shop/web --env develop',
    'rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev --dry-run',
    'rollback <command> --help',
  ]);
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 rollback failed, 2 bad input or usage, 3 registry or Marathon unreachable or refusing.\n',
  );

  const get = program
    .command('get')
    .description('Read the registry and print the dates one can roll back to, newest first (one per line).')
    .requiredOption('--registry <url>', 'registry base URL, e.g. https://registry.example.com')
    .requiredOption(
      '--repo <names>',
      'repositories, comma-separated (repeatable), e.g. shop/api,shop/web',
      csv,
    )
    .requiredOption('--env <suffix>', 'tag suffix of the environment, e.g. develop')
    .option('--dump <dir>', 'folder for rollback.json', '.')
    .option('--keep <n>', 'offer the days of the newest N images of each repository', positiveInt, 10)
    .option('--tz <zone>', 'time zone in which a date is a calendar day', 'UTC')
    .option(
      '--tag-pattern <regex>',
      'regex a whole tag must match to belong to the environment; {env} stands for --env',
    )
    .option(
      '--cache <dir>',
      'cache of image dates by digest (default: $XDG_CACHE_HOME/rollback or ~/.cache/rollback)',
    )
    .option('--no-cache', 'do not read or write the digest cache')
    .option(
      '--trust-immutable-tags',
      'reuse cached tag digests without asking the registry (tags never re-pushed)',
    )
    .option('--concurrency <n>', 'registry requests in flight at once', positiveInt, 8)
    .option(
      '--request-timeout <seconds>',
      'longest one registry request may take, start to end',
      positiveInt,
      60,
    );
  tlsOptions(get);
  examples(get, [
    'rollback get --registry https://registry.example.com --repo shop/api,shop/web --env develop',
    'REGISTRY_USER=ci REGISTRY_PASSWORD=... rollback get --registry https://registry.example.com --repo shop/api --env master --tz Europe/Berlin --dump /tmp/rb',
    "rollback get --registry https://registry.example.com --repo team/app --env prod --tag-pattern '^v[0-9.]+-{env}$'",
  ]);
  quiet(get).action(async (options) => {
    const { get: run } = await import('./commands/get');
    setExitCode(await run(options, ctx));
  });

  const run = program
    .command('run')
    .description('Redeploy every service of the catalog on Marathon with the image it had on --date.')
    .requiredOption('--date <YYYY-MM-DD>', 'the day to roll back to (one of the dates `get` printed)')
    .option('--dump <dir>', 'folder with rollback.json; the journal and plan are written here', '.')
    .requiredOption('--group <path>', 'Marathon group of the environment, e.g. /ds/dev')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--timeout <seconds>', 'give up on a deployment after this long', positiveInt, 600)
    .addOption(
      new Option('--on-failure <mode>', 'revert every change, or keep what was deployed')
        .choices(['revert', 'keep'])
        .default('revert'),
    )
    .option('--concurrency <n>', 'deployments started at once', positiveInt, 8)
    .option('--force', 'cancel deployments that lock an app (Marathon force=true)')
    .option('--allow-missing', 'go on when a repository has no image on or before --date (it stays as is)')
    .option('--pin-digest', 'deploy repo:tag@sha256:... so a re-pushed tag cannot change the image')
    .option('--json', 'print the result as JSON on stdout');
  marathonTarget(run);
  tlsOptions(run);
  examples(run, [
    'rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev --dry-run',
    'DCOS_USER=oncall DCOS_PASSWORD=... rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev',
    'MARATHON_USER=deployer MARATHON_PASSWORD=... rollback run --date 2026-11-27 --marathon https://marathon.example.com --group /ds/stage --on-failure keep --json',
  ]);
  quiet(run).action(async (options) => {
    const { run: execute } = await import('./commands/run');
    setExitCode(await execute(options, ctx));
  });

  const undo = program
    .command('undo')
    .description('Put every app of a rollback back to the image recorded in its journal.')
    .requiredOption('--journal <file>', 'the rollback-journal.json written by run')
    .option('--timeout <seconds>', 'give up on a deployment after this long', positiveInt, 600)
    .option('--concurrency <n>', 'deployments started at once', positiveInt, 8)
    .option('--force', 'cancel deployments that lock an app (Marathon force=true)')
    .option('--json', 'print the result as JSON on stdout');
  marathonTarget(undo);
  tlsOptions(undo);
  examples(undo, [
    'rollback undo --journal rollback-journal.json',
    'DCOS_TOKEN=... rollback undo --journal /var/lib/jenkins/workspace/rollback/rollback/dev/rollback-journal.json --dcos https://dcos.example.com',
  ]);
  quiet(undo).action(async (options) => {
    const { undo: execute } = await import('./commands/undo');
    setExitCode(await execute(options, ctx));
  });

  const demoCommand = program
    .command('demo')
    .description('Run the whole story on an embedded registry and Marathon emulator (loopback only).');
  examples(demoCommand, ['rollback demo', 'npm run demo']);
  demoCommand.action(async (options) => {
    const { demo } = await import('./commands/demo');
    setExitCode(await demo(options, ctx));
  });

  const sandboxCommand = program
    .command('sandbox')
    .description('Keep an embedded registry and Marathon emulator running to try commands by hand.')
    .option('--registry-port <port>', 'port of the embedded registry (default: any free port)', positiveInt)
    .option('--marathon-port <port>', 'port of the Marathon emulator (default: any free port)', positiveInt);
  examples(sandboxCommand, [
    'rollback sandbox',
    'rollback sandbox --registry-port 5000 --marathon-port 8080',
  ]);
  sandboxCommand.action(async (options) => {
    const { sandbox } = await import('./commands/sandbox');
    setExitCode(await sandbox(options, ctx));
  });

  return program;
}
