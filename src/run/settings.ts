import path from 'node:path';
import type { CommandContext } from '../commands/context';
import { UsageError } from '../errors';
import type { TlsOptions } from '../http/client';
import type { MarathonTarget } from '../marathon/auth';
import { marathonBaseUrl } from '../marathon/client';
import { normalizeGroup } from '../marathon/answers';
import { CATALOG_FILE } from '../plan/catalog';
import { parseCalendarDay } from '../plan/days';
import { PLAN_FILE } from '../plan/rollback-plan';
import { JOURNAL_FILE } from '../journal/journal';
import { quote } from '../util/quote';

/**
 * Everything the user gave `run`, checked before anything is read from the network, as one typed
 * value the phases share.
 */

export const SUMMARY_FILE = 'rollback-summary.txt';

export interface RunOptions {
  date?: string;
  at?: string;
  source?: string;
  dump?: string;
  group: string;
  marathon?: string;
  dcos?: string;
  dryRun?: boolean;
  timeout?: number;
  onFailure?: string;
  concurrency?: number;
  force?: boolean;
  allowMissing?: boolean;
  pinDigest?: boolean;
  crossEnvironment?: boolean;
  savePlan?: string;
  expectPlan?: string;
  json?: boolean;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

export interface RunSettings {
  /** A day (YYYY-MM-DD) or an instant (ISO 8601 with offset). */
  when: { kind: 'day'; date: string } | { kind: 'instant'; at: string };
  group: string;
  target: MarathonTarget;
  dump: string;
  files: { catalog: string; plan: string; journal: string; summary: string };
  dryRun: boolean;
  json: boolean;
  timeoutMs: number;
  onFailure: 'revert' | 'keep';
  /** undefined: every service at once. */
  concurrency?: number;
  force: boolean;
  allowMissing: boolean;
  pinDigest: boolean;
  crossEnvironment: boolean;
  savePlan?: string;
  expectPlan?: string;
  tls: TlsOptions;
  quiet: boolean;
  approver?: string;
}

export function marathonTargetOf(options: { marathon?: string; dcos?: string }): MarathonTarget {
  if (options.marathon && options.dcos) throw new UsageError('give --marathon or --dcos, not both');
  if (options.marathon) return { kind: 'marathon', url: marathonBaseUrl('marathon', options.marathon) };
  if (options.dcos) return { kind: 'dcos', url: marathonBaseUrl('dcos', options.dcos) };
  throw new UsageError(
    'say where Marathon is: --marathon URL (plain Marathon) or --dcos URL (a DC/OS cluster)',
  );
}

/** ISO 8601 with a date, a time and an offset (or Z): an instant means the same on every machine. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseInstant(value: string, flag = '--at'): string {
  const ms = Date.parse(value);
  if (!INSTANT.test(value) || Number.isNaN(ms))
    throw new UsageError(
      `${flag} must be an instant with its offset, e.g. 2026-12-01T14:32:08Z, got ${quote(value)}`,
    );
  // An impossible calendar day (2026-11-31) rolls over in Date.parse: refuse it instead.
  parseCalendarDay(value.slice(0, 10), flag);
  return new Date(ms).toISOString();
}

export function runSettings(options: RunOptions, ctx: CommandContext): RunSettings {
  if (options.date !== undefined && options.at !== undefined)
    throw new UsageError('give --date or --at, not both');
  if (options.date === undefined && options.at === undefined)
    throw new UsageError('say where to roll back to: --date YYYY-MM-DD, or --at INSTANT');
  const when =
    options.date !== undefined
      ? { kind: 'day' as const, date: parseCalendarDay(options.date) }
      : { kind: 'instant' as const, at: parseInstant(options.at!) };
  const source = options.source ?? 'registry';
  if (source !== 'registry')
    throw new UsageError(`--source ${quote(source)}: this rollback knows --source registry`);
  const group = normalizeGroup(options.group);
  const target = marathonTargetOf(options);
  const onFailure = options.onFailure ?? 'revert';
  if (onFailure !== 'revert' && onFailure !== 'keep')
    throw new UsageError('--on-failure must be revert or keep');
  const dump = path.resolve(ctx.cwd, options.dump ?? '.');
  if (options.savePlan && !options.dryRun) throw new UsageError('--save-plan goes with --dry-run');
  if (options.expectPlan && options.dryRun)
    throw new UsageError('--expect-plan is for the real run, not --dry-run');
  const approver = ctx.env.ROLLBACK_APPROVER?.trim();
  return {
    when,
    group,
    target,
    dump,
    files: {
      catalog: path.join(dump, CATALOG_FILE),
      plan: path.join(dump, PLAN_FILE),
      journal: path.join(dump, JOURNAL_FILE),
      summary: path.join(dump, SUMMARY_FILE),
    },
    dryRun: Boolean(options.dryRun),
    json: Boolean(options.json),
    timeoutMs: (options.timeout ?? 600) * 1000,
    onFailure,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    force: Boolean(options.force),
    allowMissing: Boolean(options.allowMissing),
    pinDigest: Boolean(options.pinDigest),
    crossEnvironment: Boolean(options.crossEnvironment),
    ...(options.savePlan ? { savePlan: path.resolve(ctx.cwd, options.savePlan) } : {}),
    ...(options.expectPlan ? { expectPlan: path.resolve(ctx.cwd, options.expectPlan) } : {}),
    tls: { insecure: options.insecure, caFile: options.caFile },
    quiet: Boolean(options.quiet),
    ...(approver ? { approver } : {}),
  };
}
