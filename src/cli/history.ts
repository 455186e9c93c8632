import { Option, type Command } from 'commander';
import type { Act } from './act';
import {
  examples,
  jsonOption,
  marathonTarget,
  positiveInt,
  proxyAndColour,
  quiet,
  tlsOptions,
} from './options';
import { environment, requiredOption } from './rules';

export function declareHistory(program: Command, act: Act): Command {
  const history = program
    .command('history')
    .usage('(--marathon URL | --dcos URL) --group PATH [--since DURATION] [--window DURATION] [options]')
    .description(
      "The environment's release points from Marathon's own stored versions, newest first: when which images (or configuration) changed. Read-only.",
    );
  requiredOption(
    history,
    new Option('--group <path>', 'Marathon group of the environment, e.g. /ds/dev'),
    'ROLLBACK_GROUP',
  );
  marathonTarget(history)
    .option(
      '--since <duration>',
      'only release points of the last 36h, 7d, 90m ... (default: all Marathon kept)',
    )
    .option('--window <duration>', 'changes this close to the first of a release belong to it', '10m')
    .option(
      '--choices',
      'print one line per release point, `2026-12-01 14:32:08 UTC · api, billing`, for a drop-down',
    )
    .option(
      '--cache <dir>',
      'cache of version summaries (default: $XDG_CACHE_HOME/rollback or ~/.cache/rollback)',
    )
    .option('--no-cache', 'do not read or write the cache')
    .option('--concurrency <n>', 'Marathon requests in flight at once', positiveInt, 8);
  jsonOption(history, 'the release points');
  tlsOptions(history);
  quiet(history);
  environment(history, [['XDG_CACHE_HOME', 'parent of the default cache']]);
  proxyAndColour(history);
  examples(history, [
    'rollback history --dcos https://dcos.example.com --group /ds/dev --since 3d',
    'rollback run --at 2026-12-01T14:32:08Z --source marathon --dcos https://dcos.example.com --group /ds/dev --dry-run',
  ]);
  return act(history, async (options, ctx) => {
    const { history: execute } = await import('../commands/history');
    return execute(options, ctx);
  });
}
