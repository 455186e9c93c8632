import { Command } from 'commander';
import type { CommandContext } from './commands/context';
import { version } from '../package.json';
import type { Act } from './cli/act';
import { declareGet } from './cli/get';
import { examples } from './cli/options';
import { applyRules, explainEnvDefaults } from './cli/rules';
import { declareRun } from './cli/run';
import { declareStatus } from './cli/status';
import { declareTools } from './cli/tools';
import { declareUndo } from './cli/undo';
import { usageLine } from './cli/failure';

export { positiveInt } from './cli/options';

/**
 * The command line: arguments only. Each command's flags are declared in src/cli/<command>.ts
 * with the option groups of src/cli/options.ts; src/cli/rules.ts adds what commander does not do
 * (defaults from ROLLBACK_* variables, required flags checked after unknown ones, the help's
 * Environment and Exit codes sections).
 */
export function buildProgram(ctx: CommandContext, setExitCode: (code: number) => void): Command {
  const program = new Command('rollback')
    .description('Roll every service of an environment back to the images it ran at one point in time.')
    .version(version, '-V, --version')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      // One line, in the same voice as every other error.
      outputError: (s, write) => write(`rollback: ${usageLine(s)} (see --help)\n`),
    })
    .exitOverride();
  examples(program, [
    'rollback demo',
    'rollback get --registry https://registry.example.com --repo shop/api,shop/web --env develop',
    'rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev --dry-run',
    'source <(rollback completion bash)',
    'rollback <command> --help',
  ]);
  program.addHelpText('after', () => {
    const expectPlan = program.commands.some((c) => c.options.some((o) => o.long === '--expect-plan'));
    return (
      '\nExit codes: 0 done, 1 rollback failed, 2 bad input or usage, 3 registry or Marathon unreachable or refusing' +
      (expectPlan ? ', 4 the plan changed since --expect-plan confirmed it' : '') +
      '.\nWith --json a failure is a JSON object on stdout too: {"ok": false, "exitCode", "error", "hint"}.\n' +
      'Defaults from the environment (flags win): ROLLBACK_REGISTRY, ROLLBACK_MARATHON, ROLLBACK_DCOS, ROLLBACK_GROUP, ROLLBACK_DUMP.\n'
    );
  });
  // After commander's own checks (unknown flags first), before the command runs.
  program.hook('preAction', (_program, command) => applyRules(command, ctx.env));

  const act: Act = (cmd, execute) =>
    cmd.action(async (options: Record<string, unknown>) => {
      try {
        setExitCode(await execute(options, ctx));
      } catch (err) {
        throw explainEnvDefaults(cmd, err);
      }
    });
  declareGet(program, act);
  declareRun(program, act);
  declareUndo(program, act);
  declareStatus(program, act);
  declareTools(program, act);
  return program;
}
