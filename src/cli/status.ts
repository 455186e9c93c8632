import { Option, type Command } from 'commander';
import type { Act } from './act';
import {
  dumpOption,
  examples,
  jsonOption,
  marathonTarget,
  proxyAndColour,
  quiet,
  tlsOptions,
} from './options';
import { requiredOption } from './rules';

export function declareStatus(program: Command, act: Act): Command {
  const status = program
    .command('status')
    .usage('(--marathon URL | --dcos URL) --group PATH [--dump DIR] [options]')
    .description(
      'Where the environment is now: per app the image it runs, its build date, the newest of its service, and the offered day it sits on. Read-only.',
    );
  dumpOption(status, 'folder with rollback.json (from `get`)');
  requiredOption(
    status,
    new Option('--group <path>', 'Marathon group of the environment, e.g. /ds/dev'),
    'ROLLBACK_GROUP',
  );
  marathonTarget(status).option(
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
  ]);
  return act(status, async (options, ctx) => {
    const { status: execute } = await import('../commands/status');
    return execute(options, ctx);
  });
}
