import { Option, type Command } from 'commander';
import type { Act } from './act';
import {
  csv,
  dumpOption,
  examples,
  jsonOption,
  positiveInt,
  proxyAndColour,
  quiet,
  registryCredentials,
  tlsOptions,
} from './options';
import { environment, exitCodes, requiredOption } from './rules';

export function declareGet(program: Command, act: Act): Command {
  const get = program
    .command('get')
    .usage('--registry URL --repo a,b --env SUFFIX [options]')
    .description('Read the registry and print the dates one can roll back to, newest first (one per line).');
  requiredOption(
    get,
    new Option('--registry <url>', 'registry base URL, e.g. https://registry.example.com'),
    'ROLLBACK_REGISTRY',
  );
  requiredOption(
    get,
    new Option(
      '--repo <names>',
      'repositories, comma-separated (repeatable), e.g. shop/api,shop/web',
    ).argParser(csv),
  );
  requiredOption(get, new Option('--env <suffix>', 'tag suffix of the environment, e.g. develop'));
  dumpOption(get, 'folder for rollback.json')
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
  jsonOption(get, '{ok, dates, catalog, repositories, warnings}');
  tlsOptions(get);
  quiet(get);
  registryCredentials(get);
  environment(get, [['XDG_CACHE_HOME', 'parent of the default --cache folder']]);
  proxyAndColour(get);
  exitCodes(get, {
    0: 'the dates printed, rollback.json written',
    1: 'a bug (the message says so)',
    2: 'bad input or usage (a flag, an unknown repository, no tag of the environment), or an answer it cannot use; rollback.json left as it was',
    3: 'the registry cannot be reached, or refused the credentials; rollback.json left as it was',
  });
  examples(get, [
    'rollback get --registry https://registry.example.com --repo shop/api,shop/web --env develop',
    'REGISTRY_USER=ci REGISTRY_PASSWORD=... rollback get --registry https://registry.example.com --repo shop/api --env master --tz Europe/Berlin --dump /tmp/rb',
    "rollback get --registry https://registry.example.com --repo team/app --env prod --tag-pattern '^v[0-9.]+-{env}$'",
    'ROLLBACK_REGISTRY=https://registry.example.com rollback get --repo shop/api --env develop --json',
  ]);
  return act(get, async (options, ctx) => {
    const { get: execute } = await import('../commands/get');
    return execute(options, ctx);
  });
}
