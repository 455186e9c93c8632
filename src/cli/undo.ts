import { Option, type Command } from 'commander';
import type { Act } from './act';
import {
  dcosOption,
  examples,
  jsonOption,
  marathonCredentials,
  marathonOption,
  positiveInt,
  proxyAndColour,
  quiet,
  tlsOptions,
} from './options';
import { environment, oneOf, requiredOption } from './rules';

export function declareUndo(program: Command, act: Act): Command {
  const undo = program
    .command('undo')
    .usage('--journal FILE [--marathon URL | --dcos URL] [options]')
    .description('Put every app of a rollback back to the image recorded in its journal.');
  requiredOption(undo, new Option('--journal <file>', 'the rollback-journal.json written by run'));
  undo
    .option('--timeout <seconds>', 'give up on a deployment after this long', positiveInt, 600)
    .option('--concurrency <n>', 'deployments started at once (default: all at once)', positiveInt)
    .option(
      '--force',
      'also put back apps someone changed since the rollback, and cancel deployments that lock an app',
    )
    .option('--dry-run', 'print what undo would do and change nothing')
    .option('--save-plan <file>', 'with --dry-run: also write the undo plan (JSON) to this file')
    .option('--expect-plan <file>', 'undo only if the plan now is exactly this saved plan (exit 4 otherwise)')
    .option(
      '--record <file>',
      'where the undo records its steps (default: rollback-undo-journal.json beside the journal, which is only read)',
    );
  jsonOption(undo, 'the result');
  // No ROLLBACK_MARATHON/ROLLBACK_DCOS here: the journal names the Marathon the rollback changed,
  // and a default meant for another cluster must not send an undo there. Only a flag overrides it.
  const journalWins = '; default: the one the journal names';
  oneOf(
    undo,
    [
      { option: marathonOption(journalWins) },
      { option: dcosOption(journalWins) },
      {
        option: new Option(
          '--kubernetes',
          'the journal is of a Kubernetes rollback (its namespace is in the journal)',
        ),
      },
    ],
    { required: false },
  );
  undo.option(
    '--context <name>',
    'with --kubernetes: the kubeconfig context (default: the one the journal names)',
  );
  environment(undo, [['KUBECONFIG', 'with --kubernetes: kubeconfig file(s), else ~/.kube/config']]);
  tlsOptions(undo);
  quiet(undo);
  marathonCredentials(undo);
  environment(undo, [
    ['SLACK_WEBHOOK_URL', 'post a message at the end (a failing webhook only warns)'],
    ['ROLLBACK_APPROVER', 'who approved the undo: in the plan, the summary and Slack'],
    ['BUILD_URL', 'link to the build in Slack (Jenkins sets it)'],
  ]);
  proxyAndColour(undo);
  examples(undo, [
    'rollback undo --journal rollback-journal.json --dry-run',
    'rollback undo --journal rollback-journal.json',
    'DCOS_TOKEN=... rollback undo --journal /var/lib/jenkins/workspace/rollback/rollback/dev/rollback-journal.json --dcos https://dcos.example.com',
  ]);
  return act(undo, async (options, ctx) => {
    const { undo: execute } = await import('../commands/undo');
    return execute(options, ctx);
  });
}
