import type { JournalApp, JournalData } from '../../src/journal/journal';
import { requested, resumable, resumeApps } from '../../src/journal/resume';

const step = (outcome: JournalApp['steps'][number]['outcome'], image: string) => ({
  at: '2026-11-28T10:00:00.000Z',
  action: 'deploy' as const,
  outcome,
  image,
});

function journal(
  status: JournalData['status'],
  apps: Array<Partial<JournalApp> & { id: string }>,
): JournalData {
  return {
    format: 'rollback-journal',
    version: 1,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    catalog: { file: 'rollback.json', registry: 'r', environment: 'develop', timeZone: 'UTC' },
    date: '2026-11-27',
    group: '/ds/dev',
    marathon: { kind: 'marathon', url: 'http://m' },
    status,
    apps: apps.map((a) => ({
      repository: 'shop/x',
      fromImage: 'r/shop/x:old',
      toImage: 'r/shop/x:new',
      before: { id: a.id, container: { docker: { image: a.fromImage ?? 'r/shop/x:old' } } },
      steps: [],
      ...a,
    })),
  };
}

describe('resuming an unfinished run', () => {
  it('resumes only an unfinished run of the same day and group', () => {
    const here = { date: '2026-11-27', group: '/ds/dev' };
    expect(resumable(journal('deploying', []), here)).toBe(true);
    expect(resumable(journal('failed', []), here)).toBe(true);
    for (const status of ['succeeded', 'reverted', 'undone', 'undoing', 'undo-failed'] as const)
      expect(resumable(journal(status, []), here)).toBe(false);
    expect(resumable(journal('deploying', []), { ...here, date: '2026-11-26' })).toBe(false);
    expect(resumable(journal('deploying', []), { ...here, group: '/ds/stage' })).toBe(false);
    expect(resumable(undefined, here)).toBe(false);
  });

  it('says which apps the earlier run already put on their target, and keeps the history of the others', () => {
    const previous = journal('deploying', [
      { id: '/ds/dev/a', steps: [step('requested', 'r/shop/x:new'), step('started', 'r/shop/x:new')] },
      { id: '/ds/dev/b', steps: [step('requested', 'r/shop/x:new')] },
      { id: '/ds/dev/c', steps: [] },
    ]);
    const resumed = resumeApps(previous, [
      { id: '/ds/dev/a', image: 'r/shop/x:new' }, // changed by the earlier run
      { id: '/ds/dev/b', image: 'r/shop/x:old' }, // requested, never applied
      { id: '/ds/dev/c', image: 'r/shop/x:new' }, // never touched by it: not its change
      { id: '/ds/dev/d', image: 'r/shop/x:old' }, // not in the earlier journal
    ]);
    expect([...resumed.keys()]).toEqual(['/ds/dev/a', '/ds/dev/b']);
    expect(resumed.get('/ds/dev/a')!.changedByPrevious).toBe(true);
    expect(resumed.get('/ds/dev/b')!.changedByPrevious).toBe(false);
    expect(resumed.get('/ds/dev/a')!.previous.fromImage).toBe('r/shop/x:old');
  });

  it('counts a deployment as ours only for an image the journal asked for', () => {
    const steps = [step('requested', 'r/shop/x:new'), step('failed', 'r/shop/x:other')];
    expect(requested(steps, 'r/shop/x:new')).toBe(true);
    expect(requested(steps, 'r/shop/x:other')).toBe(false);
    expect(requested(steps, undefined)).toBe(false);
    expect(requested([], 'r/shop/x:new')).toBe(false);
  });
});
