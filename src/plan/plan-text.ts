import { displayVersion } from '../marathon/image';
import type { RollbackPlan, ServicePlan } from './rollback-plan';
import { environmentName, table } from './rollback-report';

/**
 * The plan as a person reads it before saying yes (the dry run, and Jenkins' confirmation): a header,
 * one line per service (from → to and why, or why it stays), then every app. Pure.
 */

const versions = (images: readonly string[]) => [...new Set(images.map(displayVersion))].join('/');

/** `api  1.7.0-develop → 1.6.0-develop  image of that day`, as columns of a small table. */
function serviceRow(s: ServicePlan, undo: boolean): string[] {
  const deploy = s.apps.filter((a) => a.action === 'deploy');
  if (deploy.length > 0) {
    const marks = [
      ...(deploy.some((a) => a.crossEnvironment) ? ['other environment (--cross-environment)'] : []),
      ...(deploy.some((a) => a.lockedBy) ? ['LOCKED by a running deployment'] : []),
      ...(deploy.some((a) => a.config)
        ? [`config: ${[...new Set(deploy.flatMap((a) => a.config?.fields ?? []))].join(', ')}`]
        : []),
    ];
    const reasons = [...new Set(deploy.map((a) => a.reason ?? s.reason))].join('; ');
    return [
      s.service,
      `${versions(deploy.map((a) => a.from))} → ${versions(deploy.map((a) => a.to))}`,
      [reasons, ...marks].join(' · '),
    ];
  }
  const now = versions(s.apps.map((a) => a.from));
  if (s.apps.every((a) => a.action === 'stays')) return [s.service, `stays on ${now}`, s.reason];
  const why = undo
    ? [...new Set(s.apps.map((a) => a.reason ?? s.reason))].join('; ')
    : s.choice === 'history'
      ? 'already on what ran then'
      : `already on its ${s.reason}`;
  return [s.service, `stays on ${now}`, why];
}

function appNote(a: RollbackPlan['services'][number]['apps'][number]): string {
  const notes = [
    ...(a.crossEnvironment ? ['other environment'] : []),
    ...(a.lockedBy ? [`LOCKED by deployment ${a.lockedBy.join(', ')}`] : []),
    ...(a.config ? [`config: ${a.config.fields.join(', ') || 'unchanged'}`] : []),
  ];
  return notes.length ? ` · ${notes.join(' · ')}` : '';
}

/** The dry-run output. */
export function formatPlanTable(plan: RollbackPlan): string {
  const changes = plan.services.reduce((n, s) => n + s.apps.filter((a) => a.action === 'deploy').length, 0);
  const env = environmentName(plan.group);
  const header =
    (plan.undo
      ? `Undo: ${env}, ${plan.point}: ${changes} app(s) to put back`
      : `Plan: ${env} → ${plan.point ?? plan.date}, ${changes} app(s) to redeploy`) +
    (plan.approver ? `; approved by ${plan.approver}` : '');
  const services = table(
    ['SERVICE', 'CHANGE', 'WHY'],
    plan.services.map((s) => serviceRow(s, plan.undo === true)),
  )
    .split('\n')
    .slice(1)
    .join('\n');
  const rows = plan.services.flatMap((s) =>
    s.apps.map((a) => [
      s.service,
      a.id,
      displayVersion(a.from),
      a.action === 'deploy' ? displayVersion(a.to) : a.action === 'no-op' ? '(already on it)' : '(stays)',
      `${a.reason ?? s.reason}${appNote(a)}`,
    ]),
  );
  return `${header}\n${services}\n${table(['SERVICE', 'APP', 'FROM', 'TO', 'WHY'], rows)}`;
}
