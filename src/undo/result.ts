import type { RollbackPlan } from '../plan/rollback-plan';
import { serviceStatus, type AppResult, type RollbackResult } from '../plan/rollback-report';
import type { RolloutOutcome } from '../rollout/rollout';
import type { UndoApp } from './plan';

/** What an undo did, per app, with what each runs now read back from the target. */
export function undoResult(
  plan: RollbackPlan,
  rows: UndoApp[],
  outcomes: ReadonlyMap<string, RolloutOutcome>,
  dryRun?: 'dry-run',
  now?: ReadonlyMap<string, string | undefined>,
): RollbackResult {
  const rowOf = new Map(rows.map((r) => [r.app.id, r]));
  const services = plan.services.map((s) => {
    const apps = s.apps.map((a): AppResult => {
      const row = rowOf.get(a.id)!;
      const o = outcomes.get(a.id);
      const base = {
        id: a.id,
        from: row.app.toImage,
        to: row.app.fromImage,
        ...(a.reason ? { message: a.reason } : {}),
      };
      const seen = now ? (now.has(a.id) ? (now.get(a.id) ?? '(no Docker image)') : '(deleted)') : undefined;
      const at = (fallback: string) => ({ now: seen ?? fallback });
      if (dryRun)
        return {
          ...base,
          status:
            a.action === 'deploy'
              ? 'planned'
              : row.row === 'back'
                ? 'restored'
                : row.row === 'drifted'
                  ? 'drifted'
                  : row.row === 'gone'
                    ? 'deleted'
                    : 'unchanged',
          ...at(row.now ?? a.from),
        };
      if (row.row === 'gone') return { ...base, status: 'deleted', ...at(a.from) };
      if (row.row === 'back')
        return { ...base, status: 'restored', ...at(a.from), message: 'was already on it' };
      if (row.row === 'untouched') return { ...base, status: 'unchanged', ...at(a.from) };
      if (!o) return { ...base, status: 'drifted', ...at(a.from) };
      if (o.ok)
        return {
          ...base,
          status: 'restored',
          ...at(a.to),
          ...(o.changed ? {} : { message: 'was already on it' }),
        };
      if (o.drifted)
        return {
          ...base,
          status: 'drifted',
          ...at(o.now ?? a.from),
          ...(o.message ? { message: o.message } : {}),
        };
      if (o.gone)
        return { ...base, status: 'deleted', ...at(a.from), ...(o.message ? { message: o.message } : {}) };
      if (o.recreated) return { ...base, status: 'recreated', ...at(a.to), message: o.message! };
      return {
        ...base,
        status: 'failed',
        ...at(o.changed ? a.to : a.from),
        ...(o.message ? { message: o.message } : {}),
      };
    });
    return { service: s.service, repository: s.repository, status: serviceStatus(apps), apps };
  });
  const ok = services.every((s) =>
    s.apps.every((a) => ['restored', 'unchanged', 'planned'].includes(a.status)),
  );
  return {
    command: 'undo',
    outcome: dryRun ?? (ok ? 'succeeded' : 'failed'),
    date: plan.date,
    group: plan.group,
    ...(plan.approver ? { approver: plan.approver } : {}),
    services,
  };
}
