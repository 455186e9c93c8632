import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
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
  type Spawned,
  type World,
} from './run-fixture';

/**
 * One rollback at a time per --dump folder. A second run on the folder of a run in progress would
 * archive its journal, write the same file and take its deployments for its own: it stops at once
 * (exit 2) naming the run that holds the folder, and so does undo. A lock left by a killed run is
 * broken by the next one.
 */

const env = MARATHON_ENV;
const LOCK = 'rollback.lock';

/** Resolves once `check` holds, checked every few milliseconds; fails the test after `ms`. */
function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

/** A journal of a run to `date` (other than the one created at `not`) has api's deployment started. */
function deploying(dir: string, date: string, not?: string): boolean {
  const journal = journalNow(dir);
  return (
    journal?.date === date &&
    journal.createdAt !== not &&
    journalSteps(dir, APP.api).includes('deploy started')
  );
}

const archivesIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^rollback-journal\..+\.json$/.test(f))
    .sort();

describe('two rollbacks on one --dump folder (bundled helper, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let dir: string;
  let running: ChildProcess | undefined;
  const original = () => releaseImages(world).before;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon!, id)]));
  const args = (date: string, ...extra: string[]) =>
    runArgs({ dir, marathon: marathon!.url, date }, '--concurrency', '1', ...extra);

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 500 });
    dir = dumpDir(world);
  });
  afterEach(async () => {
    // A run the test did not see to its end must not outlive it.
    if (running?.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    running = undefined;
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  it('run B and undo while run A holds the folder: each stops at once with exit 2 naming A; A keeps its journal, archive and hint', async () => {
    // An earlier rollback (to the 26th) whose journal A archives.
    expect((await runBundle(args('2026-11-26'), env)).code).toBe(0);
    const earlier = readFileSync(journalOf(dir), 'utf8');

    // A: to the 27th; api's deployment hangs until A is stopped.
    marathon!.failNextDeployment(APP.api, 'hang');
    const a: Promise<Spawned> = runBundle(args('2026-11-27', '--timeout', '600'), env, undefined, (child) => {
      running = child;
    });
    await until(() => deploying(dir, '2026-11-27'), "A's deployment of api");
    const pid = running!.pid!;
    const journalOfA = readFileSync(journalOf(dir), 'utf8');
    const archives = archivesIn(dir);
    expect(archives).toHaveLength(1);
    expect(readFileSync(path.join(dir, archives[0]!), 'utf8')).toBe(earlier);
    const sent = changingRequests(marathon!).length;
    const holder = new RegExp(
      `another rollback holds ${dir}: rollback run 2026-11-27 --group /ds/dev \\(pid ${pid} on \\S+, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); nothing was changed`,
    );

    const b = await runBundle(args('2026-11-27'), env);
    expect(b.code).toBe(2);
    expect(lastLine(b.stderr)).toMatch(new RegExp(`^rollback: ${holder.source}`));
    const undo = await runBundle(['undo', '--journal', journalOf(dir)], env);
    expect(undo.code).toBe(2);
    expect(lastLine(undo.stderr)).toMatch(new RegExp(`^rollback: ${holder.source}`));

    // Neither touched Marathon, A's journal, or the archive; A still holds the folder.
    expect(changingRequests(marathon!).length).toBe(sent);
    expect(readFileSync(journalOf(dir), 'utf8')).toBe(journalOfA);
    expect(archivesIn(dir)).toEqual(archives);
    expect(readJson(path.join(dir, LOCK)).pid).toBe(pid);

    // A ends as it would have: stopped, it puts api back, and its journal and hint are its own.
    running!.kill('SIGTERM');
    const resultOfA = await a;
    expect(resultOfA.code).toBe(1);
    expect(resultOfA.stderr).toContain(`journal: ${journalOf(dir)}`);
    expect(lastLine(resultOfA.stderr)).toContain(
      `every changed app is back on its previous image (details in ${journalOf(dir)})`,
    );
    const journal = readJson(journalOf(dir));
    expect(journal.createdAt).toBe(JSON.parse(journalOfA).createdAt);
    expect(journal.status).toBe('reverted');
    expect(journal.date).toBe('2026-11-27');
    expect(archivesIn(dir)).toEqual(archives);
    expect(readFileSync(path.join(dir, archives[0]!), 'utf8')).toBe(earlier);
    expect(existsSync(path.join(dir, LOCK))).toBe(false);
  });

  it('a lock left by a run killed with SIGKILL is broken: undo goes on, and so does the next run', async () => {
    const kill = async () => {
      const before = journalNow(dir)?.createdAt;
      const killed = await runBundleUntil(
        args('2026-11-27', '--timeout', '30'),
        env,
        () => deploying(dir, '2026-11-27', before),
        'SIGKILL',
      );
      expect(killed.code).toBeNull();
      // The killed run's lock is still there, naming a process that no longer exists.
      const { pid } = readJson(path.join(dir, LOCK));
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    };

    await kill();
    const undo = await runBundle(['undo', '--journal', journalOf(dir), '--timeout', '30'], env);
    expect(undo.code).toBe(0);
    expect(images()).toEqual(original());
    expect(existsSync(path.join(dir, LOCK))).toBe(false);

    await kill();
    const again = await runBundle(args('2026-11-27', '--timeout', '30'), env);
    expect(again.code).toBe(0);
    expect(images()).toEqual(releaseImages(world).target);
    expect(existsSync(path.join(dir, LOCK))).toBe(false);
  });
});
