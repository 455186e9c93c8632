import { Option, type Command } from 'commander';
import type { Act } from './act';
import {
  dumpOption,
  examples,
  jsonOption,
  workloadTarget,
  positiveInt,
  proxyAndColour,
  quiet,
  registryCredentials,
  tlsOptions,
} from './options';
import { environment, oneOf } from './rules';

export function declareRun(program: Command, act: Act): Command {
  const run = program
    .command('run')
    .usage(
      '(--date YYYY-MM-DD | --at INSTANT) (--marathon URL --group PATH | --dcos URL --group PATH | --kubernetes --namespace NS) [options]',
    )
    .description(
      'Redeploy every service of the catalog on Marathon with the image it had at the point: the end of --date, or --at.',
    );
  oneOf(
    run,
    [
      {
        option: new Option('--date <YYYY-MM-DD>', 'the day to roll back to (one of the dates `get` printed)'),
      },
      {
        option: new Option(
          '--at <instant>',
          'an exact instant, ISO 8601 with its offset (2026-12-01T14:32:08Z)',
        ),
      },
    ],
    { required: true },
  );
  dumpOption(run, 'folder with rollback.json; the journal and plan are written here');
  workloadTarget(run)
    .option('--dry-run', 'print the plan and change nothing')
    .option('--timeout <seconds>', 'give up on a deployment after this long', positiveInt, 600)
    .addOption(
      new Option('--on-failure <mode>', 'revert every change, or keep what was deployed')
        .choices(['revert', 'keep'])
        .default('revert'),
    )
    .option(
      '--concurrency <n>',
      'deployments started at once (default: every service at once; lower it for a cluster without room for all new tasks at once)',
      positiveInt,
    )
    .option('--force', 'cancel deployments that lock an app (Marathon force=true)')
    .option('--allow-missing', 'go on when a repository has no image on or before --date (it stays as is)')
    .option('--pin-digest', 'deploy repo:tag@sha256:... so a re-pushed tag cannot change the image')
    .option(
      '--cross-environment',
      'accept apps that run a tag of another environment, or of none (a hand-deployed hotfix); marked in the plan',
    )
    .addOption(
      new Option(
        '--source <source>',
        "where the point comes from: the registry's build dates (rollback.json), or Marathon's own history of what ran",
      )
        .choices(['registry', 'marathon'])
        .default('registry'),
    )
    .option(
      '--with-config',
      'with --source marathon: put back the whole app definition of that instant (env, labels, resources, health checks...), not only the image',
    )
    .option('--with-scale', "with --with-config: also the instance count of that instant (default: today's)")
    .option(
      '--save-plan <file>',
      'with --dry-run: also write the plan (JSON) to this file, for --expect-plan',
    )
    .option(
      '--expect-plan <file>',
      'run only if the plan now makes exactly the changes of this saved plan (exit 4 otherwise)',
    );
  jsonOption(run, 'the result (the plan with --dry-run)');
  tlsOptions(run);
  quiet(run);
  registryCredentials(run);
  environment(run, [
    ['SLACK_WEBHOOK_URL', 'post a message at the start and at the end (a failing webhook only warns)'],
    ['ROLLBACK_APPROVER', 'who approved the rollback: in the plan, the journal, the summary and Slack'],
    ['BUILD_URL', 'link to the build in Slack (Jenkins sets it)'],
  ]);
  proxyAndColour(run);
  examples(run, [
    'rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev --dry-run',
    'DCOS_USER=oncall DCOS_PASSWORD=... rollback run --date 2026-11-27 --dcos https://dcos.example.com --group /ds/dev',
    'MARATHON_USER=deployer MARATHON_PASSWORD=... rollback run --date 2026-11-27 --marathon https://marathon.example.com --group /ds/stage --on-failure keep --json',
    'ROLLBACK_DCOS=https://dcos.example.com ROLLBACK_GROUP=/ds/dev rollback run --date 2026-11-27 --dry-run',
    'rollback run --at 2026-12-01T14:32:08Z --source marathon --with-config --dcos https://dcos.example.com --group /ds/dev --dry-run',
    'KUBECONFIG=~/.kube/prod rollback run --date 2026-11-27 --kubernetes --context prod --namespace shop --dry-run',
  ]);
  return act(run, async (options, ctx) => {
    const { run: execute } = await import('../commands/run');
    return execute(options, ctx);
  });
}
