import { Argument, type Command } from 'commander';
import type { Act } from './act';
import { examples, positiveInt } from './options';
import { exitCodes } from './rules';

/** The commands around the rollback itself: the demo, the sandbox and shell completion. */
export function declareTools(program: Command, act: Act): void {
  const demo = program
    .command('demo')
    .description('Run the whole story on an embedded registry and Marathon emulator (loopback only).')
    .option('--kubernetes', 'the same story on a Kubernetes API emulator, through a kubeconfig');
  exitCodes(demo, {
    0: 'the story ran and ended as told',
    1: 'it did not (the message says where), or a bug',
    2: 'bad usage',
    3: undefined,
  });
  examples(demo, ['rollback demo', 'rollback demo --kubernetes', 'npm run demo']);
  act(demo, async (options, ctx) => {
    const { demo: execute } = await import('../commands/demo');
    return execute(options, ctx);
  });

  const sandbox = program
    .command('sandbox')
    .description('Keep an embedded registry and Marathon emulator running to try commands by hand.')
    .option('--registry-port <port>', 'port of the embedded registry (default: any free port)', positiveInt)
    .option('--marathon-port <port>', 'port of the Marathon emulator (default: any free port)', positiveInt)
    .option('--kubernetes', 'a Kubernetes API emulator instead of Marathon, with a kubeconfig for it')
    .option(
      '--kubernetes-port <port>',
      'port of the Kubernetes emulator (default: any free port)',
      positiveInt,
    );
  exitCodes(sandbox, {
    0: 'stopped with Ctrl-C or SIGTERM',
    1: 'a port could not be opened, or a bug',
    2: 'bad usage',
    3: undefined,
  });
  examples(sandbox, [
    'rollback sandbox',
    'rollback sandbox --registry-port 5000 --marathon-port 8080',
    'rollback sandbox --kubernetes',
  ]);
  act(sandbox, async (options, ctx) => {
    const { sandbox: execute } = await import('../commands/sandbox');
    return execute(options, ctx);
  });

  const completion = program
    .command('completion')
    .description('Print a shell completion script for bash or zsh.')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(['bash', 'zsh']));
  exitCodes(completion, {
    0: 'the script printed',
    1: 'a bug',
    2: 'an unknown shell, or bad usage',
    3: undefined,
  });
  examples(completion, [
    'source <(rollback completion bash)',
    'rollback completion bash > /etc/bash_completion.d/rollback',
    'rollback completion zsh > "${fpath[1]}/_rollback"',
  ]);
  act(completion, async (_options, ctx) => {
    const { completion: execute } = await import('../commands/completion');
    return execute(completion.processedArgs[0] as string, program, ctx);
  });
}
