import path from 'node:path';
import type { CommandContext } from '../commands/context';
import { UsageError } from '../errors';
import type { TlsOptions } from '../http/client';
import { scopeOf, targetSpecOf, type TargetFlags, type TargetSpec } from '../targets/connect';
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

export interface RunOptions extends TargetFlags {
  date?: string;
  at?: string;
  source?: string;
  dump?: string;
  dryRun?: boolean;
  timeout?: number;
  onFailure?: string;
  concurrency?: number;
  force?: boolean;
  allowMissing?: boolean;
  pinDigest?: boolean;
  crossEnvironment?: boolean;
  withConfig?: boolean;
  withScale?: boolean;
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
  /** The environment: a Marathon group, or a Kubernetes namespace. */
  group: string;
  target: TargetSpec;
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
  /** Where the point comes from: the registry's catalog, or Marathon's own history. */
  source: 'registry' | 'marathon';
  withConfig: boolean;
  withScale: boolean;
  savePlan?: string;
  expectPlan?: string;
  tls: TlsOptions;
  quiet: boolean;
  approver?: string;
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
  if (source !== 'registry' && source !== 'marathon')
    throw new UsageError(`--source ${quote(source)}: expected registry or marathon`);
  if ((options.withConfig || options.withScale) && source !== 'marathon')
    throw new UsageError(
      '--with-config and --with-scale need --source marathon (the registry has images, not definitions)',
    );
  if (options.withScale && !options.withConfig) throw new UsageError('--with-scale goes with --with-config');
  const target = targetSpecOf(options);
  const group = scopeOf(target, options.group);
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
    source,
    withConfig: Boolean(options.withConfig),
    withScale: Boolean(options.withScale),
    ...(options.savePlan ? { savePlan: path.resolve(ctx.cwd, options.savePlan) } : {}),
    ...(options.expectPlan ? { expectPlan: path.resolve(ctx.cwd, options.expectPlan) } : {}),
    tls: { insecure: options.insecure, caFile: options.caFile },
    quiet: Boolean(options.quiet),
    ...(approver ? { approver } : {}),
  };
}
