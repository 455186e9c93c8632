import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  changingRequests,
  definitionWithoutImage,
  dumpDir,
  imageOf,
  MARATHON_BASIC,
  MARATHON_ENV,
  releaseImages,
  journalNow,
  journalOf,
  journalSteps,
  readJson,
  runArgs,
  runBundle,
  runBundleUntil,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * The helper killed with SIGKILL (the Jenkins agent dies, the OOM killer, a second abort) at
 * several points of `run`: the journal on disk must always be enough for `undo` to put every app
 * back, and for a second `run` to finish the job with one journal that still undoes everything.
 */

interface KillPoint {
  name: string;
  /** Extra `run` flags for the killed run. */
  flags: string[];
  setup?: (marathon: MarathonEmulator) => void;
  when: (dir: string, marathon: MarathonEmulator) => boolean;
}

const KILL_POINTS: KillPoint[] = [
  {
    name: 'the first change has just reached Marathon',
    flags: [],
    when: (_dir, marathon) => changingRequests(marathon).length > 0,
  },
  {
    name: 'api is deploying (its deployment is journaled)',
    flags: [],
    when: (dir) => journalSteps(dir, APP.api).includes('deploy started'),
  },
  {
    name: 'api is done and billing has been requested',
    flags: [],
    when: (dir) => journalSteps(dir, APP.billing).includes('deploy requested'),
  },
  {
    name: 'billing failed and the revert has begun',
    flags: ['--timeout', '2'],
    setup: (marathon) => marathon.failNextDeployment(APP.billing, 'fail'),
    when: (dir) => [APP.api, APP.billing].some((id) => journalSteps(dir, id).includes('revert requested')),
  },
];

describe('run killed with SIGKILL (bundled helper, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator;
  let dir: string;
  const env = MARATHON_ENV;
  const args = (...extra: string[]) =>
    runArgs({ dir, marathon: marathon.url }, '--concurrency', '1', '--timeout', '20', ...extra);
  const journalFile = () => journalOf(dir);
  let before: Record<string, Record<string, unknown>>;
  const original = () => releaseImages(world).before;
  const target = () => releaseImages(world).target;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon, id)]));

  async function kill(point: KillPoint) {
    point.setup?.(marathon);
    const killed = await runBundleUntil(
      args(...point.flags),
      env,
      () => point.when(dir, marathon),
      'SIGKILL',
    );
    expect(killed.signalled).toBe(true);
    expect(killed.code).toBeNull();
    // Whatever the moment, what is on disk is a whole, valid journal of a run that did not finish.
    expect(journalNow(dir)?.status).toBe('deploying');
  }

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, {
      basic: MARATHON_BASIC,
      deploymentMs: 800,
    });
    dir = dumpDir(world);
    before = Object.fromEntries(
      [APP.api, APP.billing, APP.frontend, APP.gateway].map((id) => [
        id,
        definitionWithoutImage(marathon, id),
      ]),
    );
  });
  afterEach(() => marathon?.close());
  afterAll(() => world?.stop());

  it.each(KILL_POINTS)('killed when $name: undo --journal puts every app back', async (point) => {
    await kill(point);
    const undo = await runBundle(['undo', '--journal', journalFile(), '--timeout', '20'], env);
    expect(undo.code).toBe(0);
    expect(images()).toEqual(original());
    expect(marathon.deployments()).toEqual([]);
    for (const id of Object.keys(before)) expect(definitionWithoutImage(marathon, id)).toEqual(before[id]);
    expect(
      readJson(journalFile().replace('rollback-journal.json', 'rollback-undo-journal.json')).status,
    ).toBe('undone');
  });

  it.each(KILL_POINTS)(
    'killed when $name: running run again finishes the job, and its journal still undoes all of it',
    async (point) => {
      await kill(point);
      const again = await runBundle(args(), env);
      // Its stderr in the failure says why (a refusal, a lock) when it does not finish.
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(images()).toEqual(target());
      expect(marathon.deployments()).toEqual([]);
      // One journal for the whole rollback: both services, from their images before the first attempt.
      const journal = readJson(journalFile());
      expect(journal.status).toBe('succeeded');
      expect(Object.fromEntries(journal.apps.map((a: any) => [a.id, [a.fromImage, a.toImage]]))).toEqual({
        [APP.api]: [original()[APP.api], target()[APP.api]],
        [APP.billing]: [original()[APP.billing], target()[APP.billing]],
      });

      const undo = await runBundle(['undo', '--journal', journalFile(), '--timeout', '20'], env);
      expect(undo.code).toBe(0);
      expect(images()).toEqual(original());
      expect(marathon.deployments()).toEqual([]);
      for (const id of Object.keys(before)) expect(definitionWithoutImage(marathon, id)).toEqual(before[id]);
    },
  );
});
