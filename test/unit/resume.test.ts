import type { JournalApp, JournalData } from '../../src/journal/journal';
import { isOwnChange, stillOurs } from '../../src/journal/ownership';
import { resumable, resumeApps } from '../../src/journal/resume';

const V = '2026-11-28T10:00:01.000Z';
const step = (
  outcome: JournalApp['steps'][number]['outcome'],
  image: string,
  extra: Partial<JournalApp['steps'][number]> = {},
) => ({
  at: '2026-11-28T10:00:00.000Z',
  action: 'deploy' as const,
  outcome,
  image,
  ...extra,
});

function journal(
  status: JournalData['status'],
  apps: Array<Partial<JournalApp> & { id: string }>,
): JournalData {
  return {
    format: 'rollback-journal',
    version: 2,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    catalog: { file: 'rollback.json', registry: 'r', environment: 'develop', timeZone: 'UTC' },
    date: '2026-11-27',
    group: '/ds/dev',
    target: { kind: 'marathon', url: 'http://m' },
    status,
    apps: apps.map((a) => ({
      repository: 'shop/x',
      fromImage: 'r/shop/x:old',
      toImage: 'r/shop/x:new',
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
      {
        id: '/ds/dev/a',
        steps: [step('requested', 'r/shop/x:new'), step('started', 'r/shop/x:new', { version: V })],
      },
      { id: '/ds/dev/b', steps: [step('requested', 'r/shop/x:new')] },
      { id: '/ds/dev/c', steps: [] },
    ]);
    const resumed = resumeApps(previous, [
      { id: '/ds/dev/a', image: 'r/shop/x:new', changeVersion: V }, // changed by the earlier run
      { id: '/ds/dev/b', image: 'r/shop/x:old' }, // requested, never applied
      { id: '/ds/dev/c', image: 'r/shop/x:new' }, // never touched by it: not its change
      { id: '/ds/dev/d', image: 'r/shop/x:old' }, // not in the earlier journal
    ]);
    expect([...resumed.keys()]).toEqual(['/ds/dev/a', '/ds/dev/b']);
    expect(resumed.get('/ds/dev/a')!.changedByPrevious).toBe(true);
    expect(resumed.get('/ds/dev/b')!.changedByPrevious).toBe(false);
    expect(resumed.get('/ds/dev/a')!.previous.fromImage).toBe('r/shop/x:old');
  });

  it("does not take an app someone redeployed since with the same image for the earlier run's change", () => {
    const previous = journal('deploying', [
      {
        id: '/ds/dev/a',
        steps: [step('requested', 'r/shop/x:new'), step('started', 'r/shop/x:new', { version: V })],
      },
    ]);
    const resumed = resumeApps(previous, [
      { id: '/ds/dev/a', image: 'r/shop/x:new', changeVersion: '2026-11-28T11:00:00.000Z' },
    ]);
    expect(resumed.get('/ds/dev/a')!.changedByPrevious).toBe(false);
  });
});

describe('whose change an app runs', () => {
  const ours = [
    step('requested', 'r/shop/x:new'),
    step('started', 'r/shop/x:new', { version: V, deploymentId: 'd1' }),
  ];

  it('is ours while it runs the version our change produced, whatever the image alone says', () => {
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: V }, ours)).toBe(true);
    // Redeployed, restarted or reconfigured with the same image: someone else's change.
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: '2026-11-28T12:00:00.000Z' }, ours)).toBe(false);
    // A hotfix: another image.
    expect(stillOurs({ image: 'r/shop/x:hotfix', changeVersion: V }, ours)).toBe(false);
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: V }, [])).toBe(false);
  });

  it('after a lost answer, takes a version stamped after the request on our image as ours', () => {
    const lost = [step('requested', 'r/shop/x:new')];
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: '2026-11-28T10:00:02.000Z' }, lost)).toBe(true);
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: '2026-11-27T10:00:00.000Z' }, lost)).toBe(false);
  });

  it('counts a deployment in flight as ours by its journaled id or our version, never by the image', () => {
    const app = { image: 'r/shop/x:new', changeVersion: V };
    expect(isOwnChange({ id: 'd1' }, app, ours)).toBe(true);
    expect(isOwnChange({ id: 'd2', version: V }, app, ours)).toBe(true);
    // A colleague's scale of our image: another deployment, another version.
    expect(isOwnChange({ id: 'd3', version: '2026-11-28T12:00:00.000Z' }, app, ours)).toBe(false);
    expect(isOwnChange({ id: 'd3' }, app, ours)).toBe(false);
  });
});

describe('a request that was refused or never sent', () => {
  it('is no change of ours: the app running that image later is someone else’s', () => {
    const refused = [
      step('requested', 'r/shop/x:new'),
      step('failed', 'r/shop/x:new', { message: 'app is locked by deployment d9' }),
    ];
    // Someone deployed that image themselves afterwards, moments after our request.
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: '2026-11-28T10:00:05.000Z' }, refused)).toBe(
      false,
    );
    // A deployment that was taken and then failed is still ours.
    const failedAfterStart = [
      step('requested', 'r/shop/x:new'),
      step('started', 'r/shop/x:new', { version: V, deploymentId: 'd1' }),
      step('failed', 'r/shop/x:new', { deploymentId: 'd1' }),
    ];
    expect(stillOurs({ image: 'r/shop/x:new', changeVersion: V }, failedAfterStart)).toBe(true);
  });
});
