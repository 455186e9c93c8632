import type { JournalStep } from '../../src/journal/format';
import { changesInFlight } from '../../src/rollout/in-flight';
import type { ChangeInFlight, Target, Workload } from '../../src/targets/target';

/**
 * Whose deployment holds an app, judged from the deployments running when asked, not from the
 * list read with the app a moment before: a rerun after a kill met its own deployment finishing
 * in between and refused, calling it a colleague's lock.
 */

const IMAGE = 'registry.example/shop/api:1.4.3-develop';
const REQUESTED_AT = '2026-12-02T09:44:18.317Z';
const OUR_VERSION = '2026-12-02T09:44:18.400Z';

const requested: JournalStep[] = [{ at: REQUESTED_AT, action: 'deploy', outcome: 'requested', image: IMAGE }];

function workload(over: Partial<Workload> = {}): Workload {
  return {
    id: '/ds/dev/shop/api',
    image: IMAGE,
    changeVersion: OUR_VERSION,
    busy: ['d-ours'],
    raw: {},
    ...over,
  };
}

function targetWith(live: ChangeInFlight[]) {
  const asked: string[] = [];
  const target = {
    async changesInFlight(w: Workload) {
      asked.push(w.id);
      return live;
    },
  } as unknown as Target;
  return { target, asked };
}

describe('changesInFlight', () => {
  it('a deployment listed with the app but finished since holds nothing: neither ours nor a lock', async () => {
    const { target } = targetWith([]);
    await expect(changesInFlight(workload(), requested, target)).resolves.toEqual({ ours: [], theirs: [] });
  });

  it('our deployment whose answer was lost (our image, our version, stamped after we asked) is ours', async () => {
    const { target } = targetWith([{ id: 'd-ours', version: OUR_VERSION }]);
    await expect(changesInFlight(workload(), requested, target)).resolves.toEqual({
      ours: ['d-ours'],
      theirs: [],
    });
  });

  it('a deployment of another version than the app shows is a colleague’s, even on our image', async () => {
    const { target } = targetWith([{ id: 'd-colleague', version: '2026-12-02T09:50:00.000Z' }]);
    await expect(changesInFlight(workload(), requested, target)).resolves.toEqual({
      ours: [],
      theirs: ['d-colleague'],
    });
  });

  it('a deployment the journal started is ours by its id', async () => {
    const { target } = targetWith([{ id: 'd-journaled' }]);
    const steps: JournalStep[] = [
      ...requested,
      { at: REQUESTED_AT, action: 'deploy', outcome: 'started', image: IMAGE, deploymentId: 'd-journaled' },
    ];
    await expect(
      changesInFlight(workload({ changeVersion: '2026-12-02T10:00:00.000Z' }), steps, target),
    ).resolves.toEqual({ ours: ['d-journaled'], theirs: [] });
  });

  it('with no journal, every running deployment is someone else’s', async () => {
    const { target } = targetWith([{ id: 'd-ours', version: OUR_VERSION }]);
    await expect(changesInFlight(workload(), [], target)).resolves.toEqual({
      ours: [],
      theirs: ['d-ours'],
    });
  });

  it('an app read as idle is not asked about again', async () => {
    const { target, asked } = targetWith([{ id: 'd-late', version: OUR_VERSION }]);
    await expect(changesInFlight(workload({ busy: [] }), requested, target)).resolves.toEqual({
      ours: [],
      theirs: [],
    });
    expect(asked).toEqual([]);
  });
});
