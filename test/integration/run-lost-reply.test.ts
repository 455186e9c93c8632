import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { faultName, startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy';
import {
  APP,
  dumpDir,
  imageOf,
  journalOf,
  journalSteps,
  MARATHON_BASIC,
  MARATHON_ENV,
  readJson,
  releaseImages,
  runArgs,
  runBundle,
  runBundleUntil,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * A change request whose answer does not come back: Marathon may or may not have carried it out.
 * The helper sends it once (a second one could start a second deployment), reads the app back,
 * and reports what it really runs: watched to its end when the change was taken, failed when not,
 * put back or kept as --on-failure says. The change requests are counted where they arrive.
 */

interface Scenario {
  name: string;
  /** The fault on api's first change request. */
  fault: Fault;
  flags: string[];
  setup?: (marathon: MarathonEmulator) => void;
  exit: number;
  summary: string;
  /** Where each app ends. */
  end: { api: 'before' | 'target'; billing: 'before' | 'target' };
  /** Change requests the helper sent per app (as the proxy saw them), reverts included. */
  sent: { api: number; billing: number };
  /** Changes to the target image Marathon received per app: one per app at most, never resent. */
  deployed: { api: number; billing: number };
}

const API_CHANGE = /^\/v2\/apps\/ds\/dev\/shop\/api(\?|$)/;

const SCENARIOS: Scenario[] = [
  {
    name: 'api’s change answered 503 by a proxy (not carried out): api failed on its old image, billing put back',
    fault: 503,
    flags: [],
    exit: 1,
    summary:
      'dev → 2026-11-27 FAILED, reverted: api FAILED on 1.5.0-develop, billing back on 1.4.0-develop, frontend unchanged',
    end: { api: 'before', billing: 'before' },
    sent: { api: 1, billing: 2 },
    deployed: { api: 0, billing: 1 },
  },
  {
    name: 'api’s change carried out but answered 503 (a proxy giving up on Marathon): read back, watched, done',
    fault: { status: 503, forwardFirst: true },
    flags: [],
    exit: 0,
    summary:
      'dev → 2026-11-27: api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    end: { api: 'target', billing: 'target' },
    sent: { api: 1, billing: 1 },
    deployed: { api: 1, billing: 1 },
  },
  {
    name: 'the connection reset after api’s change was sent (carried out): read back, watched, done',
    fault: 'lost-reply',
    flags: [],
    exit: 0,
    summary:
      'dev → 2026-11-27: api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    end: { api: 'target', billing: 'target' },
    sent: { api: 1, billing: 1 },
    deployed: { api: 1, billing: 1 },
  },
  {
    name: '--on-failure keep, api’s reply lost and its deployment hanging: the table says api runs 1.4.3',
    fault: 'lost-reply',
    flags: ['--on-failure', 'keep', '--timeout', '4'],
    setup: (marathon) => marathon.failNextDeployment(APP.api, 'hang'),
    exit: 1,
    summary:
      'dev → 2026-11-27 FAILED, kept as is: api FAILED on 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    end: { api: 'target', billing: 'target' },
    sent: { api: 1, billing: 1 },
    deployed: { api: 1, billing: 1 },
  },
  {
    name: '--on-failure revert, api’s reply lost and billing failing: api is put back too',
    fault: 'lost-reply',
    flags: ['--timeout', '4'],
    setup: (marathon) => marathon.failNextDeployment(APP.billing, 'fail'),
    exit: 1,
    summary:
      'dev → 2026-11-27 FAILED, reverted: api back on 1.5.0-develop, billing FAILED on 1.4.0-develop, frontend unchanged',
    end: { api: 'before', billing: 'before' },
    sent: { api: 2, billing: 2 },
    deployed: { api: 1, billing: 1 },
  },
];

describe('a change whose answer is lost (bundled helper, Marathon emulator behind a fault proxy)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await proxy?.close();
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  it.each(SCENARIOS)('$name', async (scenario) => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 500 });
    proxy = await startFaultProxy({ target: marathon.url });
    proxy.addRule({ method: 'PATCH', path: API_CHANGE, fault: scenario.fault, times: 1 });
    scenario.setup?.(marathon);
    const dir = dumpDir(world);
    const result = await runBundle(
      runArgs({ dir, marathon: proxy.url }, '--json', '--timeout', '30', ...scenario.flags),
      MARATHON_ENV,
    );
    expect(proxy.log.filter((e) => e.path.match(API_CHANGE) && e.method === 'PATCH')[0]?.fault).toBe(
      faultName(scenario.fault),
    );
    expect({ code: result.code, summary: JSON.parse(result.stdout).summary }).toEqual({
      code: scenario.exit,
      summary: scenario.summary,
    });

    const images = releaseImages(world);
    const changes = (id: string) => ({
      sent: proxy!.log.filter((e) => e.method !== 'GET' && e.path.startsWith(`/v2/apps${id}`)).length,
      deployed: marathon!.requests.filter(
        (r) =>
          r.method !== 'GET' && r.path.startsWith(`/v2/apps${id}`) && r.body.includes(images.target[id]!),
      ).length,
    });
    expect({ api: changes(APP.api), billing: changes(APP.billing) }).toEqual({
      api: { sent: scenario.sent.api, deployed: scenario.deployed.api },
      billing: { sent: scenario.sent.billing, deployed: scenario.deployed.billing },
    });
    for (const [app, id] of [
      ['api', APP.api],
      ['billing', APP.billing],
    ] as const)
      expect([app, imageOf(marathon, id)]).toEqual([app, images[scenario.end[app]][id]]);

    // The table says what api runs, as read back.
    const api = JSON.parse(result.stdout)
      .services.flatMap((s: any) => s.apps)
      .find((a: any) => a.id === APP.api);
    expect(api.now).toBe(images[scenario.end.api][APP.api]);
    // A change Marathon took is journaled as ours from the read-back, so revert and undo may touch it.
    if (scenario.deployed.api === 1)
      expect(readJson(journalOf(dir)).apps.find((a: any) => a.id === APP.api).steps[1].message).toBe(
        'read back after a lost answer',
      );
    expect(journalSteps(dir, APP.api).filter((s) => s === 'deploy requested')).toHaveLength(1);
  });

  it('killed while the answer to api’s change is on its way, the deployment hanging: undo cancels it as its own and puts api back', async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 500 });
    marathon.failNextDeployment(APP.api, 'hang');
    proxy = await startFaultProxy({ target: marathon.url });
    // Marathon takes the change; its answer crawls, so the run is killed before it reaches the journal.
    proxy.addRule({ method: 'PATCH', path: API_CHANGE, fault: { trickleMs: 60_000 }, times: 1 });
    const dir = dumpDir(world);
    const killed = await runBundleUntil(
      runArgs({ dir, marathon: proxy.url }, '--concurrency', '1', '--timeout', '30'),
      MARATHON_ENV,
      () => marathon!.requests.some((r) => r.method === 'PATCH' && API_CHANGE.test(r.path)),
      'SIGKILL',
    );
    expect(killed.code).toBeNull();
    // The journal knows the change was asked for, not which deployment it started.
    expect(journalSteps(dir, APP.api)).toEqual(['deploy requested']);
    expect(marathon.deployments()).toHaveLength(1);

    const undo = await runBundle(['undo', '--journal', journalOf(dir), '--timeout', '30'], MARATHON_ENV);
    expect(undo.code).toBe(0);
    expect(imageOf(marathon, APP.api)).toBe(releaseImages(world).before[APP.api]);
    expect(marathon.deployments()).toEqual([]);
  });
});
