import { promises as fs } from 'node:fs';
import { InputError, PlanChangedError } from '../errors';
import { PLAN_FORMAT, type RollbackPlan } from './rollback-plan';

/**
 * "The plan that runs is the plan that was confirmed": a dry run saves its plan (--save-plan), the
 * approver sees it, and the real run gets it back (--expect-plan). If the environment changed in
 * between (someone deployed, scaled, or the registry moved), the changes differ and nothing runs.
 */

/** The changes a plan makes, one line per app, in a stable order: what the approver agreed to. */
export function planChanges(plan: Pick<RollbackPlan, 'services'>): string[] {
  return plan.services
    .flatMap((s) =>
      s.apps
        .filter((a) => a.action === 'deploy')
        .map(
          (a) => `${a.id}: ${a.from} → ${a.to}${a.config ? ` (config: ${a.config.fields.join(', ')})` : ''}`,
        ),
    )
    .sort();
}

export async function readConfirmedPlan(file: string): Promise<RollbackPlan> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(
      `cannot read the confirmed plan ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'pass the file the dry run wrote with --save-plan',
      },
    );
  }
  const plan = value as Partial<RollbackPlan> | null;
  if (plan?.format !== PLAN_FORMAT || !Array.isArray(plan.services))
    throw new InputError(`${file} is not a plan written by \`rollback run --dry-run --save-plan\``);
  return plan as RollbackPlan;
}

/** Refuses (exit 4) unless `now` makes exactly the changes of the confirmed plan. */
export function assertConfirmed(now: RollbackPlan, confirmed: RollbackPlan, file: string): void {
  const want = planChanges(confirmed);
  const have = planChanges(now);
  const gone = want.filter((c) => !have.includes(c));
  const added = have.filter((c) => !want.includes(c));
  const other = now.date !== confirmed.date || now.group !== confirmed.group;
  if (!other && gone.length === 0 && added.length === 0) return;
  const parts = [
    ...(other ? [`the point or group differs (${confirmed.group} → ${confirmed.date} confirmed)`] : []),
    ...(gone.length ? [`no longer planned: ${gone.join('; ')}`] : []),
    ...(added.length ? [`planned now: ${added.join('; ')}`] : []),
  ];
  throw new PlanChangedError(
    `the environment changed since the plan in ${file} was confirmed (${parts.join('; ')}); nothing was changed`,
    { hint: 'show the new plan (dry run) and confirm it again' },
  );
}
