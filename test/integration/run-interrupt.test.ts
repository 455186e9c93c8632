import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  DATE,
  changingRequests,
  dumpDir,
  imageOf,
  journalOf,
  MARATHON_BASIC,
  MARATHON_ENV,
  releaseImages,
  journalSteps,
  lastLine,
  readJson,
  runArgs,
  runBundle,
  runBundleUntil,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

// SIGTERM is what Jenkins sends when someone aborts the job; SIGINT is Ctrl-C on a terminal.
describe('run when it is told to stop (SIGTERM/SIGINT, bundled helper, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator;
  let dir: string;
  const env = MARATHON_ENV;
  // One deployment at a time, so "api is deploying" means billing has not started.
  const args = (...extra: string[]) =>
    runArgs({ dir, marathon: marathon.url }, '--concurrency', '1', '--timeout', '30', ...extra);
  const journalFile = () => journalOf(dir);
  const puts = (id: string) => changingRequests(marathon).filter((r) => r.path.startsWith(`/v2/apps${id}`));
  const original = () => ({
    api: releaseImages(world).before[APP.api],
    billing: releaseImages(world).before[APP.billing],
  });

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, {
      basic: MARATHON_BASIC,
      deploymentMs: 1500,
    });
    dir = dumpDir(world);
  });
  afterEach(() => marathon?.close());
  afterAll(() => world?.stop());

  it('SIGTERM with --on-failure revert: starts nothing new, puts back what changed, writes the journal, exit 1', async () => {
    const result = await runBundleUntil(
      args(),
      env,
      () => journalSteps(dir, APP.api).includes('deploy started'),
      'SIGTERM',
    );
    expect(result.signalled).toBe(true);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SIGTERM: starting no more deployments; putting back what was changed');
    expect(lastLine(result.stderr)).toMatch(
      /^rollback: the rollback to 2026-11-27 was interrupted \(SIGTERM\); every changed app is back on its previous image/,
    );
    // billing was never started; api was put back on its image from before.
    expect(puts(APP.billing)).toEqual([]);
    expect(imageOf(marathon, APP.api)).toBe(original().api);
    expect(imageOf(marathon, APP.billing)).toBe(original().billing);
    expect(marathon.deployments()).toEqual([]);
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 INTERRUPTED (SIGTERM), reverted: api back on 1.5.0-develop, billing not started, still on 1.4.0-develop, frontend unchanged\n',
    );
    const journal = readJson(journalFile());
    expect(journal.status).toBe('reverted');
    expect(journalSteps(dir, APP.api).slice(-2)).toEqual(['revert started', 'revert succeeded']);
    expect(journalSteps(dir, APP.billing)).toEqual([]);
  });

  it('SIGINT with --on-failure keep: lets the deployment in flight finish, starts nothing new, exit 1', async () => {
    const result = await runBundleUntil(
      args('--on-failure', 'keep', '--json'),
      env,
      () => journalSteps(dir, APP.api).includes('deploy started'),
      'SIGINT',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'SIGINT: starting no more deployments; letting the deployments in flight finish',
    );
    expect(imageOf(marathon, APP.api)).toBe(`${world.host}/shop/api:1.4.3-develop`);
    expect((marathon.getApp(APP.api) as any).tasksHealthy).toBe(2);
    expect(puts(APP.billing)).toEqual([]);
    expect(imageOf(marathon, APP.billing)).toBe(original().billing);
    const json = JSON.parse(result.stdout);
    expect(json.interrupted).toBe('SIGINT');
    expect(json.summary).toBe(
      'dev → 2026-11-27 INTERRUPTED (SIGINT), kept as is: api 1.4.3-develop, billing not started, still on 1.4.0-develop, frontend unchanged',
    );
    expect(journalSteps(dir, APP.api)).toEqual(['deploy requested', 'deploy started', 'deploy succeeded']);
    expect(readJson(journalFile()).status).toBe('failed');
    expect(lastLine(result.stderr)).toContain(`rollback undo --journal ${journalFile()}`);

    // Running it again finishes the job.
    const again = await runBundle(args(), env);
    expect(again.code).toBe(0);
    expect(imageOf(marathon, APP.billing)).toBe(`${world.host}/shop/billing:1.3.0-develop`);
  });

  it('a second signal stops at once, saying where the journal is; undo recovers from it', async () => {
    marathon.failNextDeployment(APP.api, 'hang');
    const result = await runBundleUntil(
      args('--on-failure', 'keep'),
      env,
      () => journalSteps(dir, APP.api).includes('deploy started'),
      'SIGTERM',
      2,
    );
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toBe(
      `rollback: interrupted again (SIGTERM) during the rollback to ${DATE}; deployments already started go on. ${journalFile()} records what was changed (\`rollback undo --journal ${journalFile()}\` puts it back)`,
    );
    expect(readJson(journalFile()).status).toBe('deploying');
    // Without --marathon: undo goes to the Marathon the journal recorded, and cancels our hanging deployment.
    const undo = await runBundle(['undo', '--journal', journalFile(), '--timeout', '10'], env);
    expect(undo.code).toBe(0);
    expect(undo.stderr).toContain(`Marathon at ${marathon.url} (HTTP basic as deployer)`);
    expect(imageOf(marathon, APP.api)).toBe(original().api);
    expect(imageOf(marathon, APP.billing)).toBe(original().billing);
    expect(marathon.deployments()).toEqual([]);
  });
});
