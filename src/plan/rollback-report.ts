import type { Choice, RollbackPlan } from './rollback-plan';
import { displayVersion } from '../marathon/image';
import { formatInstant } from './point';

/**
 * What a rollback tells people, as plain functions of its plan and result: the dry-run table, the
 * summary table, the one-line build description for Jenkins, the Slack texts and the JSON result.
 */

export type AppStatus =
  /** On the target image, deployment finished and healthy. */
  | 'deployed'
  /** Was already on the target; not touched. */
  | 'unchanged'
  /** No image on or before the day (--allow-missing); not touched. */
  | 'stays'
  /** Its deployment did not finish (or Marathon refused it). */
  | 'failed'
  /** Deleted from Marathon by someone else during the rollback; not recreated. */
  | 'deleted'
  /** Deleted by someone else, then created anew from the image alone by a Marathon without PATCH. */
  | 'recreated'
  /** Not started because another service failed first. */
  | 'not-started'
  /** Changed, then put back to its previous image after a failure. */
  | 'reverted'
  /** Putting it back did not finish either. */
  | 'revert-failed'
  /** undo: back on the image the journal recorded. */
  | 'restored'
  /** revert/undo: someone else changed it since our change; left alone (--force overrides). */
  | 'drifted'
  /** dry run: would be deployed. */
  | 'planned';

export interface AppResult {
  id: string;
  from: string;
  to: string;
  /** --with-config: the fields of the definition put back (names only). */
  config?: string[];
  status: AppStatus;
  /** The image the app is on (or being deployed to) as far as we know at the end. */
  now: string;
  message?: string;
}

export interface ServiceResult {
  service: string;
  repository: string;
  choice?: Choice;
  reason?: string;
  filledFrom?: string;
  status: AppStatus;
  apps: AppResult[];
}

export interface RollbackResult {
  command: 'run' | 'undo';
  /** succeeded: every service on target; failed: not (see statuses); reverted: failed and put back. */
  outcome: 'succeeded' | 'failed' | 'reverted' | 'dry-run';
  date: string;
  group: string;
  /** Who approved it (ROLLBACK_APPROVER): in the summary line, so in the Jenkins build description. */
  approver?: string;
  onFailure?: 'revert' | 'keep';
  /** The signal (SIGTERM, SIGINT) that stopped the rollback before it was through. */
  interrupted?: string;
  services: ServiceResult[];
  files?: { plan?: string; journal?: string; summary?: string };
}

const OK: ReadonlySet<AppStatus> = new Set(['deployed', 'unchanged', 'stays', 'restored']);
/** Worst first: a service shows the status of its worst app. */
const SEVERITY: AppStatus[] = [
  'revert-failed',
  'failed',
  'drifted',
  'recreated',
  'deleted',
  'not-started',
  'planned',
  'reverted',
  'deployed',
  'restored',
  'stays',
  'unchanged',
];

export function isOnTarget(status: AppStatus): boolean {
  return OK.has(status);
}

export function serviceStatus(apps: readonly AppResult[]): AppStatus {
  for (const status of SEVERITY) if (apps.some((a) => a.status === status)) return status;
  return 'unchanged';
}

/** `dev` for `/ds/dev`: the name people call the environment by. */
export function environmentLabel(group: string): string {
  return group.slice(group.lastIndexOf('/') + 1) || group;
}

/** `dev (/ds/dev)`, or just `dev` for a namespace, which is its own name. */
export function environmentName(group: string): string {
  const label = environmentLabel(group);
  return label === group ? label : `${label} (${group})`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The human summary on stdout. */
export function formatResultTable(result: RollbackResult): string {
  const rows = result.services.flatMap((s) =>
    s.apps.map((a) => [s.service, a.id, a.status, displayVersion(a.now), a.message ?? '']),
  );
  return `${summaryLine(result)}\n${table(['SERVICE', 'APP', 'STATUS', 'NOW ON', 'DETAIL'], rows)}`;
}

function versions<T>(apps: readonly T[], pick: (a: T) => string): string {
  return [...new Set(apps.map((a) => displayVersion(pick(a))))].join('/');
}

function servicePhrase(s: ServiceResult, date: string): string {
  const now = versions(s.apps, (a) => a.now);
  switch (s.status) {
    case 'deployed':
      return `${s.service} ${now}${s.filledFrom ? ` (filled from ${s.filledFrom})` : ''}`;
    case 'unchanged':
      return `${s.service} unchanged`;
    case 'stays':
      // From history an app stays only when it did not exist then (otherwise the plan stops).
      return `${s.service} stays on ${now} (${s.choice === 'history' ? 'created after the point' : `no image on or before ${date}`})`;
    case 'restored':
      return `${s.service} back on ${now}`;
    case 'reverted':
      return `${s.service} back on ${now}`;
    case 'planned':
      return `${s.service} ${versions(s.apps, (a) => a.from)} → ${versions(s.apps, (a) => a.to)}${s.filledFrom ? ` (filled from ${s.filledFrom})` : ''}`;
    case 'not-started':
      return `${s.service} not started, still on ${now}`;
    case 'failed':
      return `${s.service} FAILED on ${now}`;
    case 'deleted':
      return `${s.service} DELETED (not recreated)`;
    case 'recreated':
      return `${s.service} RECREATED by Marathon from the image alone after someone deleted it (check it, delete it unless wanted)`;
    case 'revert-failed':
      return `${s.service} REVERT FAILED, on ${now}`;
    case 'drifted':
      return `${s.service} changed by someone else, left on ${now}`;
  }
}

/**
 * One line for a Jenkins build description, e.g.
 * `dev → 2026-11-27: api 1.4.2-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged`.
 */
export function summaryLine(result: RollbackResult): string {
  const env = environmentLabel(result.group);
  // An instant reads as one: 2026-12-01 14:32:08 UTC, not its ISO form.
  const date = result.date.includes('T') ? formatInstant(result.date, 'UTC') : result.date;
  const failed = result.interrupted ? `INTERRUPTED (${result.interrupted})` : 'FAILED';
  const head =
    result.command === 'undo'
      ? `${env}: undo of the rollback to ${date}${result.outcome === 'succeeded' ? '' : ' FAILED'}`
      : result.outcome === 'succeeded' || result.outcome === 'dry-run'
        ? `${env} → ${date}`
        : result.outcome === 'reverted'
          ? `${env} → ${date} ${failed}, reverted`
          : `${env} → ${date} ${failed}${result.onFailure === 'keep' ? ', kept as is' : ''}`;
  const by = result.approver ? ` (approved by ${result.approver})` : '';
  return `${head}${by}: ${result.services.map((s) => servicePhrase(s, date)).join(', ')}`;
}

export interface StartMessage {
  plan: RollbackPlan;
  approver?: string;
  buildUrl?: string;
}

export function slackStartText({ plan, approver, buildUrl }: StartMessage): string {
  const lines = plan.services.map((s) => {
    const deploy = s.apps.filter((a) => a.action === 'deploy');
    if (s.apps.every((a) => a.action === 'stays')) return `• ${s.service}: stays as it is (${s.reason})`;
    if (deploy.length === 0) return `• ${s.service}: already on ${displayVersion(s.apps[0]!.to)}`;
    return `• ${s.service}: ${versions(deploy, (a) => a.from)} → ${versions(deploy, (a) => a.to)} (${s.reason})`;
  });
  return [
    `:rewind: Rollback of *${environmentLabel(plan.group)}* (${plan.group}) to *${plan.date}* started`,
    `Approved by: ${approver?.trim() || 'unknown (ROLLBACK_APPROVER not set)'}${buildUrl ? ` · ${buildUrl}` : ''}`,
    ...lines,
  ].join('\n');
}

export function slackEndText(result: RollbackResult, buildUrl?: string): string {
  const icon = result.outcome === 'succeeded' ? ':white_check_mark:' : ':x:';
  const lines = result.services.map(
    (s) =>
      `• ${s.service}: ${s.status}, on ${versions(s.apps, (a) => a.now)}${
        s.apps.find((a) => a.message)?.message ? ` (${s.apps.find((a) => a.message)!.message})` : ''
      }`,
  );
  return [`${icon} ${summaryLine(result)}${buildUrl ? ` · ${buildUrl}` : ''}`, ...lines].join('\n');
}

/** The --json result: stable field names a pipeline can read. */
export function resultJson(result: RollbackResult): string {
  return (
    JSON.stringify(
      {
        command: result.command,
        outcome: result.outcome,
        ok: result.outcome === 'succeeded' || result.outcome === 'dry-run',
        date: result.date,
        group: result.group,
        ...(result.approver ? { approver: result.approver } : {}),
        ...(result.interrupted ? { interrupted: result.interrupted } : {}),
        summary: summaryLine(result),
        services: result.services.map((s) => ({
          service: s.service,
          repository: s.repository,
          status: s.status,
          ...(s.reason ? { reason: s.reason } : {}),
          apps: s.apps.map((a) => ({
            id: a.id,
            from: a.from,
            to: a.to,
            now: a.now,
            status: a.status,
            ...(a.config ? { config: a.config } : {}),
            ...(a.message ? { message: a.message } : {}),
          })),
        })),
        ...(result.files ? { files: result.files } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}
