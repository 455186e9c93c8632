import type { MarathonTarget } from './auth';

/**
 * Credentials set for the other kind of target are ignored, and the refusal that follows would
 * only say "no credentials": name the variables that are read instead, before anything is sent.
 */
const FAMILIES = {
  marathon: ['MARATHON_USER', 'MARATHON_PASSWORD'],
  dcos: [
    'DCOS_USER',
    'DCOS_PASSWORD',
    'DCOS_TOKEN',
    'DCOS_SERVICE_ACCOUNT_ID',
    'DCOS_SERVICE_ACCOUNT_KEY',
    'DCOS_SERVICE_ACCOUNT_KEY_FILE',
  ],
} as const;

export function credentialWarnings(target: MarathonTarget, env: NodeJS.ProcessEnv): string[] {
  const other = target.kind === 'marathon' ? 'dcos' : 'marathon';
  const set = FAMILIES[other].filter((name) => env[name]);
  if (set.length === 0) return [];
  const expected =
    target.kind === 'marathon'
      ? 'MARATHON_USER and MARATHON_PASSWORD (HTTP basic)'
      : 'DCOS_USER and DCOS_PASSWORD, DCOS_SERVICE_ACCOUNT_ID with its key, or DCOS_TOKEN';
  const own = FAMILIES[target.kind].some((name) => env[name]);
  return [
    `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but ignored with --${target.kind}, which reads ${expected}${own ? '' : ' (none of them is set)'}${
      target.kind === 'marathon' ? '; for a DC/OS cluster use --dcos' : '; for plain Marathon use --marathon'
    }`,
  ];
}
