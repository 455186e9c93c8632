import type { Command, Option } from 'commander';
import { isRollbackError, UsageError } from '../errors';

/**
 * What an operator expects of a command line and commander does differently, kept per command:
 *
 * - defaults from ROLLBACK_* variables, the way ARGOCD_SERVER and KUBECONFIG work: a flag wins;
 *   for a group of exclusive flags (--marathon | --dcos) a flag given silences the variables of
 *   the whole group. Commander's Option.env() cannot do that (its conflict check counts a value
 *   from the environment like a flag) and reads process.env, not the command's context;
 * - required flags checked after commander has reported unknown flags (`get --bogus` names
 *   --bogus, not the missing --registry) and after the defaults from the environment;
 * - the Environment and Exit codes sections of `--help`.
 */

interface Member {
  option: Option;
  /** The variable whose value is this flag's default. */
  variable?: string;
  /** What the command uses when neither is given, for the help (e.g. `.`). */
  fallback?: string;
}

interface Group {
  members: Member[];
  required: boolean;
}

interface Rules {
  groups: Group[];
  /** [variable(s), meaning] for the help. */
  environment: Array<[string, string]>;
  /** What an exit code means for this command, where it differs from EXIT_CODES. */
  exitCodes: Map<number, string | undefined>;
}

const rulesOf = new WeakMap<Command, Rules>();

function rules(cmd: Command): Rules {
  let r = rulesOf.get(cmd);
  if (!r) {
    r = { groups: [], environment: [], exitCodes: new Map() };
    rulesOf.set(cmd, r);
    cmd.addHelpText('after', () => helpSections(cmd));
  }
  return r;
}

/** Variables the command reads besides those of its flags, listed in its help. */
export function environment(cmd: Command, lines: Array<[string, string]>): Command {
  rules(cmd).environment.push(...lines);
  return cmd;
}

/** Exit codes whose meaning differs for this command (`undefined`: the code does not occur). */
export function exitCodes(cmd: Command, meanings: Record<number, string | undefined>): Command {
  for (const [code, meaning] of Object.entries(meanings)) rules(cmd).exitCodes.set(Number(code), meaning);
  return cmd;
}

/**
 * Exactly one of these flags, or none when not required (then the command decides), each
 * optionally defaulting to a variable.
 */
export function oneOf(cmd: Command, members: Member[], options: { required: boolean }): Command {
  const names = members.map((m) => m.option.long!);
  for (const m of members) {
    const others = names.filter((n) => n !== m.option.long);
    const notes = [
      ...(options.required
        ? [members.length === 1 ? 'required' : `this or ${others.join(' or ')} required`]
        : []),
      ...(m.variable ? [`default: $${m.variable}${m.fallback ? `, else ${m.fallback}` : ''}`] : []),
    ];
    if (notes.length) m.option.description = `${m.option.description} (${notes.join('; ')})`;
    cmd.addOption(m.option);
  }
  rules(cmd).groups.push({ members, required: options.required });
  return cmd;
}

export const requiredOption = (cmd: Command, option: Option, variable?: string) =>
  oneOf(cmd, [{ option, ...(variable ? { variable } : {}) }], { required: true });

export const withDefaultFrom = (cmd: Command, option: Option, variable: string, fallback?: string) =>
  oneOf(cmd, [{ option, variable, ...(fallback ? { fallback } : {}) }], { required: false });

/** Set in the environment and not empty: an empty value is as good as unset, as for KUBECONFIG. */
const setIn = (env: NodeJS.ProcessEnv, variable: string | undefined) => Boolean(variable && env[variable]);

const quoted = (o: Option) => `'${o.flags}'`;

/** Before the action: the defaults from `env`, then the groups' rules. Throws a UsageError. */
export function applyRules(cmd: Command, env: NodeJS.ProcessEnv): void {
  for (const group of rulesOf.get(cmd)?.groups ?? []) {
    const given = group.members.filter((m) => cmd.getOptionValueSource(m.option.attributeName()) === 'cli');
    if (given.length > 1) {
      const [a, b] = given.map((m) => quoted(m.option));
      throw new UsageError(`option ${a} cannot be used with option ${b}`, { hint: 'see --help' });
    }
    if (given.length === 1) continue;
    const fromEnv = group.members.filter((m) => setIn(env, m.variable));
    if (fromEnv.length > 1) {
      throw new UsageError(`${fromEnv.map((m) => m.variable).join(' and ')} are both set`, {
        hint: `choose with ${group.members.map((m) => m.option.long).join(' or ')}, or unset one`,
      });
    }
    const chosen = fromEnv[0];
    if (chosen) {
      cmd.setOptionValueWithSource(chosen.option.attributeName(), env[chosen.variable!], 'env');
      continue;
    }
    if (group.required) {
      const flags = group.members.map((m) => quoted(m.option)).join(' or ');
      const variables = group.members.flatMap((m) => (m.variable ? [m.variable] : []));
      const hint = variables.length ? `or set ${variables.join(' or ')}; see --help` : 'see --help';
      throw new UsageError(`required option ${flags} not specified`, { hint });
    }
  }
}

/**
 * A refusal of a value the user did not type names where it came from: `--registry (from
 * ROLLBACK_REGISTRY) "x" is not a URL` instead of a flag that is nowhere on the command line.
 */
export function explainEnvDefaults(cmd: Command, err: unknown): unknown {
  if (!isRollbackError(err)) return err;
  for (const group of rulesOf.get(cmd)?.groups ?? []) {
    for (const m of group.members) {
      const flag = m.option.long!;
      if (cmd.getOptionValueSource(m.option.attributeName()) !== 'env') continue;
      const at = err.message.search(new RegExp(`${flag}(?![\\w-])`));
      if (at >= 0) {
        err.message = `${err.message.slice(0, at + flag.length)} (from ${m.variable})${err.message.slice(at + flag.length)}`;
        return err;
      }
    }
  }
  return err;
}

const EXIT_CODES: Array<[number, string]> = [
  [0, 'done'],
  [1, 'a rollback or undo failed (the message and the summary say what state it left), or a bug'],
  [2, 'bad input or usage, or an answer it cannot use; nothing was changed'],
  [3, 'the registry or Marathon cannot be reached, or refused the credentials; nothing was changed'],
  [4, '--expect-plan: the plan is no longer the confirmed one; nothing was changed'],
];

/** Rows laid out and wrapped like commander's own Options section. */
function table(cmd: Command, rows: Array<[string, string]>): string {
  const help = cmd.createHelp();
  help.prepareContext({ helpWidth: cmd.configureOutput().getOutHelpWidth?.() ?? 80 });
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => help.formatItem(k, width, v, help)).join('\n');
}

export function helpSections(cmd: Command): string {
  const r = rules(cmd);
  const defaults = r.groups.flatMap((g) =>
    g.members.flatMap((m): Array<[string, string]> =>
      m.variable ? [[m.variable, `default for ${m.option.long}`]] : [],
    ),
  );
  const env = [...defaults, ...r.environment];
  const hasExpectPlan = cmd.options.some((o) => o.long === '--expect-plan');
  const codes = EXIT_CODES.flatMap(([code, meaning]): Array<[string, string]> => {
    if (code === 4 && !hasExpectPlan) return [];
    const own = r.exitCodes.has(code) ? r.exitCodes.get(code) : meaning;
    return own === undefined ? [] : [[String(code), own]];
  });
  return [
    ...(env.length ? [`\nEnvironment (flags win):\n${table(cmd, env)}\n`] : []),
    `\nExit codes:\n${table(cmd, codes)}`,
  ].join('');
}
