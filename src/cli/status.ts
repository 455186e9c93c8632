import type { Command } from 'commander';
import type { Act } from './act';
import {
  dumpOption,
  examples,
  jsonOption,
  workloadTarget,
  proxyAndColour,
  quiet,
  tlsOptions,
} from './options';

export function declareStatus(program: Command, act: Act): Command {
  const status = program
    .command('status')
    .usage(
      '(--marathon URL --group PATH | --dcos URL --group PATH | --kubernetes --namespace NS) [--dump DIR] [options]',
    )
    .description(
      'Where the environment is now: per app the image it runs, its build date, the newest of its service, and the offered day it sits on. Read-only.',
    );
  dumpOption(status, 'folder with rollback.json (from `get`)');
  workloadTarget(status).option(
    '--choices',
    'print one line per offered day, `YYYY-MM-DD · the services a rollback to it changes`, the newest day that changes something first',
  );
  jsonOption(status, 'the state');
  tlsOptions(status);
  quiet(status);
  proxyAndColour(status);
  examples(status, [
    'rollback status --dcos https://dcos.example.com --group /ds/dev',
    'rollback status --dcos https://dcos.example.com --group /ds/dev --choices',
    'rollback status --kubernetes --namespace shop-dev --json',
  ]);
  return act(status, async (options, ctx) => {
    const { status: execute } = await import('../commands/status');
    return execute(options, ctx);
  });
}
