import { copyFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { smallDisk, type SmallDisk } from '../support/mounts';
import {
  APP,
  changingRequests,
  dumpDir,
  imageOf,
  journalNow,
  journalOf,
  journalSteps,
  lastLine,
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
 * A run killed halfway leaves a journal that is the only record of what it changed. A second run
 * on a disk that has filled up meanwhile must refuse without ever moving that journal out of its
 * place (at every moment it is readable at its path or as its archived copy), so that a third run,
 * once there is room again, still finishes the job from it and undo restores the whole environment.
 */

const env = MARATHON_ENV;

/** Whether the earlier journal's text is, right now, at its path or in an archived copy beside it. */
function earlierJournalReadable(dir: string, text: string): boolean {
  for (const name of readdirSync(dir).filter((f) => /^rollback-journal.*\.json$/.test(f))) {
    try {
      if (readFileSync(path.join(dir, name), 'utf8') === text) return true;
    } catch {
      // Renamed between the listing and the read: the next name, or the next tick, decides.
    }
  }
  return false;
}

describe('run again on a full disk after a killed run (bundled helper, tmpfs as --dump)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let disk: SmallDisk | undefined;
  let source: string;
  const original = () => releaseImages(world).before;
  const target = () => releaseImages(world).target;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon!, id)]));

  beforeAll(async () => {
    world = await startWorld();
    source = dumpDir(world);
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 800 });
    disk = smallDisk('1m');
    copyFileSync(path.join(source, 'rollback.json'), path.join(disk.dir, 'rollback.json'));
  });
  afterEach(async () => {
    disk?.remove();
    disk = undefined;
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  it.each([
    ['no byte free', (d: SmallDisk) => d.fill()],
    // Room for the plan, not for the journal to grow to its end: the room check refuses.
    ['room for the plan but not the journal', (d: SmallDisk, plan: number) => d.leave(plan + 8192)],
  ])(
    '%s: the second run refuses and leaves the journal in place; a third run with room finishes, undo restores all',
    async (_name, full) => {
      const { dir } = disk!;
      const args = () => runArgs({ dir, marathon: marathon!.url }, '--concurrency', '1', '--timeout', '30');

      const killed = await runBundleUntil(
        args(),
        env,
        () => journalSteps(dir, APP.api).includes('deploy started'),
        'SIGKILL',
      );
      expect(killed.code).toBeNull();
      const earlier = readFileSync(journalOf(dir), 'utf8');
      expect(JSON.parse(earlier).status).toBe('deploying');

      full(disk!, statSync(path.join(dir, 'rollback-plan.json')).size);
      const sent = changingRequests(marathon!).length;
      let missing = 0;
      let checks = 0;
      const second = await runBundle(args(), env, undefined, (child) => {
        const poll = setInterval(() => {
          checks++;
          if (!earlierJournalReadable(dir, earlier)) missing++;
        }, 2);
        child.on('close', () => clearInterval(poll));
      });
      expect(second.code).toBe(1);
      const line = lastLine(second.stderr);
      expect(line).toContain(dir);
      expect(line).toMatch(/ENOSPC|not enough space/);
      expect(line).toContain('nothing was changed');
      expect(second.stderr).not.toMatch(/internal error|a bug/);
      expect(changingRequests(marathon!).length).toBe(sent);
      expect(checks).toBeGreaterThan(0);
      expect(missing).toBe(0);
      expect(readFileSync(journalOf(dir), 'utf8')).toBe(earlier);

      disk!.free();
      const third = await runBundle(args(), env);
      expect(third.code).toBe(0);
      expect(images()).toEqual(target());
      // One journal for the whole rollback: api from where the killed run found it.
      const journal = readJson(journalOf(dir));
      expect(Object.fromEntries(journal.apps.map((a: any) => [a.id, a.fromImage]))).toEqual({
        [APP.api]: original()[APP.api],
        [APP.billing]: original()[APP.billing],
      });
      expect(journalNow(dir)?.status).toBe('succeeded');

      const undo = await runBundle(['undo', '--journal', journalOf(dir), '--timeout', '30'], env);
      expect(undo.code).toBe(0);
      expect(images()).toEqual(original());
      expect(marathon!.deployments()).toEqual([]);
    },
  );
});
