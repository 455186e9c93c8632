import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
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
  releaseImages,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * The --dump folder's disk failing under `run` (a 32 KB tmpfs; one filled, or remounted read-only,
 * during the watch). The journal is what makes a rollback reversible, so the run either refuses
 * before the first change or, when a write fails after changes started, starts nothing new, puts
 * back what changed and says it was the disk (exit 1, the path and the cause), never a bug. And it
 * ends: nothing keeps watching.
 */

const env = MARATHON_ENV;

describe('run on a disk that fails (bundled helper, tmpfs as --dump, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let disk: SmallDisk | undefined;
  /** Where the catalog is copied from: a folder as `get` leaves it. */
  let source: string;
  const original = () => releaseImages(world).before;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon!, id)]));
  const changesOf = (id: string) =>
    changingRequests(marathon!).filter((r) => r.path.startsWith(`/v2/apps${id}`)).length;

  beforeAll(async () => {
    world = await startWorld();
    source = dumpDir(world);
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 1500 });
  });
  afterEach(async () => {
    disk?.remove();
    disk = undefined;
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  function diskWithCatalog(size: string): SmallDisk {
    disk = smallDisk(size);
    copyFileSync(path.join(source, 'rollback.json'), path.join(disk.dir, 'rollback.json'));
    return disk;
  }

  it.each([
    // Room for the catalog, the lock and the plan, not for the journal to grow to its end.
    ['a 32 KB disk', '32k', /^rollback: not enough space for the journal in /, () => undefined],
    // Not even for the lock: a lock file created but left empty would stop the next run.
    [
      'a disk with no byte free',
      '1m',
      /^rollback: cannot write the lock .*ENOSPC/,
      (d: SmallDisk) => d.fill(),
    ],
  ])(
    '%s: refuses before the first change, naming the folder and the cause (exit 1)',
    async (_name, size, why, full) => {
      const { dir } = diskWithCatalog(size);
      full(disk!);
      const before = readdirSync(dir);
      const result = await runBundle(runArgs({ dir, marathon: marathon!.url }), env);
      expect(result.code).toBe(1);
      const line = lastLine(result.stderr);
      expect(line).toMatch(why);
      expect(line).toContain(dir);
      expect(line).toContain('nothing was changed');
      expect(result.stderr).not.toMatch(/internal error|a bug/);
      expect(changingRequests(marathon!)).toEqual([]);
      expect(images()).toEqual(original());
      // No journal, no temp file, no lock left behind: only the plan, when it fitted.
      expect(readdirSync(dir).filter((f) => f !== 'rollback-plan.json')).toEqual(before);
    },
  );

  it.each([
    ['filled up', 'ENOSPC (no space left on the device)', (d: SmallDisk) => d.fill(), []],
    ['remounted read-only', 'EROFS (the file system is read-only)', (d: SmallDisk) => d.readOnly(), []],
    // A rollback the journal can no longer follow is not left half done, whatever --on-failure says.
    [
      'filled up under --on-failure keep',
      'ENOSPC (no space left on the device)',
      (d: SmallDisk) => d.fill(),
      ['--on-failure', 'keep'],
    ],
  ])(
    'the disk %s while api deploys: billing never starts, api is put back, exit 1 naming the journal and the cause',
    async (_how, cause, fail, flags) => {
      const { dir } = diskWithCatalog('1m');
      let failed = false;
      const result = await runBundle(
        runArgs({ dir, marathon: marathon!.url }, '--concurrency', '1', '--timeout', '60', ...flags),
        env,
        undefined,
        (child) => {
          // The moment the journal says api's deployment started, the disk goes.
          const poll = setInterval(() => {
            if (failed || !journalSteps(dir, APP.api).includes('deploy started')) return;
            failed = true;
            clearInterval(poll);
            fail(disk!);
          }, 3);
          child.on('close', () => clearInterval(poll));
        },
      );
      expect(failed).toBe(true);
      expect(result.code).toBe(1);
      const line = lastLine(result.stderr);
      expect(line).toBe(
        `rollback: cannot write the journal ${journalOf(dir)}: ${cause}; stopped before changing more, and every changed app is back on its previous image`,
      );
      expect(result.stderr).not.toMatch(/internal error|a bug/);
      // The table says why api was put back (it had deployed fine).
      expect(result.stdout).toMatch(
        /api +\/ds\/dev\/shop\/api +reverted +1\.5\.0-develop +put back after the journal could not be written/,
      );
      // billing was never sent a change; api was put back.
      expect(changesOf(APP.billing)).toBe(0);
      expect(images()).toEqual(original());
      expect(marathon!.deployments()).toEqual([]);
      // What is on disk is still a whole journal from which undo knows api may have changed.
      expect(journalNow(dir)?.status).toBe('deploying');
      expect(journalSteps(dir, APP.api)).toEqual(['deploy requested', 'deploy started']);
      // And undo from it, recording elsewhere, finds everything back already.
      const record = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-record-')), 'undo.json');
      const undo = await runBundle(['undo', '--journal', journalOf(dir), '--record', record], env);
      expect(undo.code).toBe(0);
      // The deploy and its putting back; undo had nothing to do.
      expect(changesOf(APP.api)).toBe(2);
      expect(existsSync(record)).toBe(true);
    },
  );

  it('Ctrl-C after the disk failed: says it puts back, a second one says where undo may record; undo then finds all back', async () => {
    const { dir } = diskWithCatalog('1m');
    const journal = journalOf(dir);
    let signals = 0;
    const result = await runBundle(
      runArgs({ dir, marathon: marathon!.url }, '--concurrency', '1', '--timeout', '120'),
      env,
      undefined,
      (child) => {
        let filled = false;
        const poll = setInterval(() => {
          if (!filled && journalSteps(dir, APP.api).includes('deploy started')) {
            filled = true;
            // The putting back takes long enough for two signals to land during it.
            marathon!.setDeploymentMs(120_000);
            disk!.fill();
          } else if (filled && signals === 0 && changesOf(APP.api) === 2) {
            // api's putting back has reached Marathon.
            signals++;
            child.kill('SIGINT');
          }
        }, 3);
        let stderr = '';
        child.stderr!.on('data', (d) => {
          stderr += d;
          if (signals === 1 && stderr.includes('SIGINT: starting no more deployments')) {
            signals++;
            child.kill('SIGINT');
          }
        });
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(signals).toBe(2);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'SIGINT: starting no more deployments; putting back what was changed (send it again to stop at once)',
    );
    expect(lastLine(result.stderr)).toBe(
      `rollback: interrupted again (SIGINT) during the rollback to 2026-11-27; deployments already started go on. ${journal} records every change sent before the disk failed (\`rollback undo --journal ${journal} --record FILE\`, FILE in a writable folder, puts it back)`,
    );
    // api's putting back is under way in Marathon: its definition names its image from before.
    expect(images()).toEqual(original());

    // undo beside the journal cannot record on this disk: it says so before changing anything.
    const sent = changingRequests(marathon!).length;
    const refused = await runBundle(['undo', '--journal', journal], env);
    expect(refused.code).toBe(1);
    expect(lastLine(refused.stderr)).toMatch(
      new RegExp(
        `^rollback: cannot write the (lock|journal) ${dir}/rollback[-.a-z]+: ENOSPC .*; nothing was changed \\(pass --record FILE in a writable folder`,
      ),
    );
    expect(changingRequests(marathon!).length).toBe(sent);
    const record = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-record-')), 'undo.json');
    const undo = await runBundle(['undo', '--journal', journal, '--record', record], env);
    expect(undo.code).toBe(0);
    expect(changingRequests(marathon!).length).toBe(sent);
    expect(images()).toEqual(original());
  });
});
