import { InvalidArgumentError, Option, type Command } from 'commander';
import { environment, oneOf, withDefaultFrom } from './rules';

/**
 * Value parsers and the option groups several commands share. Each group also names the
 * environment variables it makes the command read, so `--help` lists them wherever the group is.
 */

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

export function csv(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export const tlsOptions = (cmd: Command) =>
  cmd
    .option('--insecure', 'do not verify TLS certificates (explicit opt-out; avoid in production)')
    .option('--ca-file <file>', 'also trust the CA certificates (PEM) in this file');

/** Variables every command that talks HTTP reads. */
export const proxyAndColour = (cmd: Command) =>
  environment(cmd, [
    ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'outgoing proxy, as usual for Node tools'],
    ['NO_COLOR', 'no colours on stderr'],
  ]);

export const registryCredentials = (cmd: Command) =>
  environment(cmd, [
    [
      'REGISTRY_USER, REGISTRY_PASSWORD',
      'registry credentials (HTTP basic, or for the token service of a Bearer challenge)',
    ],
  ]);

export const marathonCredentials = (cmd: Command) =>
  environment(cmd, [
    ['MARATHON_USER, MARATHON_PASSWORD', 'with --marathon: HTTP basic'],
    ['DCOS_USER, DCOS_PASSWORD', 'with --dcos: DC/OS login'],
    ['DCOS_SERVICE_ACCOUNT_ID', 'with --dcos: log in as this service account, with'],
    ['DCOS_SERVICE_ACCOUNT_KEY', '  its private key (PEM text), or'],
    ['DCOS_SERVICE_ACCOUNT_KEY_FILE', '  the file that holds it'],
    ['DCOS_TOKEN', 'with --dcos: a ready DC/OS token'],
  ]);

export const marathonOption = (more = '') =>
  new Option('--marathon <url>', `plain Marathon base URL (HTTP basic from MARATHON_* variables)${more}`);
export const dcosOption = (more = '') =>
  new Option(
    '--dcos <url>',
    `DC/OS cluster URL; Marathon at URL/service/marathon, login with DCOS_* variables${more}`,
  );

/**
 * Where the apps run, for the commands that look for them there. One group, so that a flag given
 * on the command line silences every ROLLBACK_* default of the group (ROLLBACK_MARATHON set and
 * --dcos given means DC/OS). A Kubernetes target joins the group as one more member.
 */
export const marathonTarget = (cmd: Command) => {
  oneOf(
    cmd,
    [
      { option: marathonOption(), variable: 'ROLLBACK_MARATHON' },
      { option: dcosOption(), variable: 'ROLLBACK_DCOS' },
    ],
    { required: true },
  );
  return marathonCredentials(cmd);
};

/**
 * Where the apps run, Kubernetes included: --marathon | --dcos | --kubernetes, and the environment
 * in it, --group (Marathon) | --namespace (Kubernetes). Which scope goes with which target is the
 * command's to check (targets/connect.ts), with a sentence naming both.
 */
export const workloadTarget = (cmd: Command) => {
  oneOf(
    cmd,
    [
      { option: marathonOption(), variable: 'ROLLBACK_MARATHON' },
      { option: dcosOption(), variable: 'ROLLBACK_DCOS' },
      {
        option: new Option(
          '--kubernetes',
          'the Deployments and StatefulSets of a Kubernetes namespace (credentials from KUBECONFIG or ~/.kube/config)',
        ),
      },
    ],
    { required: true },
  );
  oneOf(
    cmd,
    [
      {
        option: new Option('--group <path>', 'Marathon group of the environment, e.g. /ds/dev'),
        variable: 'ROLLBACK_GROUP',
      },
      { option: new Option('--namespace <ns>', 'with --kubernetes: the namespace of the environment') },
    ],
    { required: true },
  );
  cmd
    .option('--context <name>', 'with --kubernetes: the kubeconfig context (default: its current context)')
    .option('--selector <labels>', 'with --kubernetes: only workloads with these labels, e.g. team=shop');
  marathonCredentials(cmd);
  return environment(cmd, [
    ['KUBECONFIG', 'with --kubernetes: kubeconfig file(s), else ~/.kube/config'],
    ['KUBERNETES_SERVICE_HOST', 'with --kubernetes and no kubeconfig: the in-cluster service account'],
  ]);
};

export const dumpOption = (cmd: Command, description: string) =>
  withDefaultFrom(cmd, new Option('--dump <dir>', description), 'ROLLBACK_DUMP', '.');

export const jsonOption = (cmd: Command, what: string) =>
  cmd.option(
    '--json',
    `print ${what} as JSON on stdout; on failure {"ok": false, "exitCode", "error", "hint"}`,
  );

export const quiet = (cmd: Command) => cmd.option('-q, --quiet', 'print only warnings and the result');

/** `--help` ends with examples a user can copy, in the form the README uses. */
export const examples = (cmd: Command, lines: string[]) =>
  cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
