import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { startReverseProxy } from '../support/reverse-proxy';
import {
  catalogDir,
  colleague,
  guardsRun,
  images,
  startGuardsMarathon,
  startGuardsWorld,
  startIntercepting,
  tableRows,
} from './guards-support';
import {
  APP,
  changingRequests,
  imageOf,
  journalOf,
  lastLine,
  readJson,
  runBundle,
  type World,
} from './run-fixture';

/**
 * Issue 11 #5 for `undo`: it changes an app only while it still runs what the rollback put on it
 * (judged by the journal's request and version), says what it would do before doing it, reads
 * what runs back from Marathon, keeps its own record and summary, and says exactly what it did
 * and did not change when Marathon goes away. Bundled helper, real docker-registry, Marathon emulator.
 */

describe("guards: undo leaves nobody's fix behind (issue 11 #5)", () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;

  beforeAll(async () => {
    world = await startGuardsWorld();
  });
  afterEach(async () => {
    await marathon?.close();
    marathon = undefined;
  });
  afterAll(() => world?.stop());

  /** A finished rollback of /ds/dev to the 27th: its --dump folder. */
  async function rolledBack(m: MarathonEmulator): Promise<string> {
    const dir = catalogDir(world);
    const result = await runBundle(guardsRun(dir, m.url, '--timeout', '60'));
    if (result.code !== 0) throw new Error(`the rollback failed: ${result.stderr}`);
    return dir;
  }

  it('#5 undo --dry-run shows what undo would do, then undo leaves a hotfixed app alone (drifted, exit 1) and --force puts it back', async () => {
    const m = (marathon = await startGuardsMarathon(world));
    const dir = await rolledBack(m);
    const hotfix = `${world.host}/shop/api:1.4.4-hotfix`;
    await colleague(m).deploy(APP.api, hotfix);
    const journal = journalOf(dir);
    // Jenkins archives the journal read-only: undo keeps its own record and never writes it.
    chmodSync(journal, 0o444);
    const before = readFileSync(journal, 'utf8');
    m.requests.splice(0);

    const dry = await runBundle(['undo', '--journal', journal, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(
        /^Undo: dev \(\/ds\/dev\), the rollback to end of 2026-11-27 \(UTC\) of \S+: 2 app\(s\) to put back$/,
      ),
      'api       stays on 1.4.4-hotfix          changed by someone else since the rollback (runs 1.4.4-hotfix); left alone unless --force',
      'billing   1.3.0-develop → 1.4.0-develop  put back to its image from before the rollback',
      'frontend  2.0.0-develop → 2.1.0-develop  put back to its image from before the rollback',
    ]);
    expect(changingRequests(m)).toEqual([]);
    expect(existsSync(path.join(dir, 'rollback-undo-journal.json'))).toBe(false);

    const undo = await runBundle(['undo', '--journal', journal, '--timeout', '60']);
    expect(undo.code).toBe(1);
    expect(imageOf(m, APP.api)).toBe(hotfix);
    expect(imageOf(m, APP.billing)).toBe(images(world).before.billing);
    // "now on" is what Marathon runs, read back: the hotfix.
    expect(tableRows(undo.stdout).get(APP.api)).toMatchObject({ status: 'drifted', now: '1.4.4-hotfix' });
    expect(lastLine(undo.stderr)).toBe(
      `rollback: undo incomplete (${APP.api}: changed by someone else since the rollback (runs 1.4.4-hotfix); left alone unless --force); back on their images from before: ${APP.billing}, ${APP.frontend}; not changed: ${APP.api} (--force puts drifted apps back anyway; run undo again once the cause is fixed (${path.join(dir, 'rollback-undo-journal.json')}))`,
    );
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev: undo of the rollback to 2026-11-27 FAILED: api changed by someone else, left on 1.4.4-hotfix, billing back on 1.4.0-develop, frontend back on 2.1.0-develop\n',
    );
    expect(readJson(path.join(dir, 'rollback-undo-journal.json')).status).toBe('undo-failed');

    const force = await runBundle(['undo', '--journal', journal, '--timeout', '60', '--force']);
    expect(force.code).toBe(0);
    expect(imageOf(m, APP.api)).toBe(images(world).before.api);
    expect(tableRows(force.stdout).get(APP.api)).toMatchObject({ status: 'restored', now: '1.5.0-develop' });
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev: undo of the rollback to 2026-11-27: api back on 1.5.0-develop, billing back on 1.4.0-develop, frontend back on 2.1.0-develop\n',
    );
    expect(readFileSync(journal, 'utf8')).toBe(before);
  });

  it('#5 undo reads "now on" back from Marathon: an app changed behind its back shows what it runs', async () => {
    const m = (marathon = await startGuardsMarathon(world));
    const journal = journalOf(await rolledBack(m));
    const hotfix = `${world.host}/shop/billing:1.4.1-hotfix`;
    // Just before undo lists the group for the second time (its read back at the end).
    const proxy = await startIntercepting(
      m,
      'GET',
      /^\/v2\/apps\?/,
      () => colleague(m).deploy(APP.billing, hotfix),
      2,
    );
    try {
      const undo = await runBundle([
        'undo',
        '--journal',
        journal,
        '--marathon',
        proxy.url,
        '--timeout',
        '60',
      ]);
      expect(proxy.fired()).toBe(true);
      expect(undo.code).toBe(0);
      expect(tableRows(undo.stdout).get(APP.billing)).toMatchObject({
        status: 'restored',
        now: '1.4.1-hotfix',
      });
    } finally {
      await proxy.stop();
    }
  });

  // Each request to a Marathon that is gone is retried for up to 15 s before it counts as unreachable.
  it('#5 Marathon gone during undo: exit 3, saying which apps are back and which were not changed', async () => {
    const m = (marathon = await startGuardsMarathon(world));
    const dir = await rolledBack(m);
    const journal = journalOf(dir);
    // Marathon goes away once api is back, as billing is read: nothing answers from then on.
    let gone: Promise<void> | undefined;
    const proxy = await startReverseProxy(m.url, (req, res, forward) => {
      if (gone || (req.method === 'GET' && req.url === `/v2/apps${APP.billing}`)) {
        gone ??= proxy.stop();
        res.destroy();
        return;
      }
      forward();
    });
    try {
      const undo = await runBundle([
        'undo',
        '--journal',
        journal,
        '--marathon',
        proxy.url,
        '--concurrency',
        '1',
        '--timeout',
        '60',
      ]);
      expect(undo.code).toBe(3);
      expect(lastLine(undo.stderr)).toMatch(
        new RegExp(
          `^rollback: undo incomplete, Marathon could not be reached \\(.*\\); back on their images from before: ${APP.api}; not changed: ${APP.billing}, ${APP.frontend} \\(run undo again when Marathon answers`,
        ),
      );
      expect(imageOf(m, APP.api)).toBe(images(world).before.api);
      expect(imageOf(m, APP.billing)).toBe(images(world).target.billing);

      // Still gone when undo starts: it says that it changed nothing, and writes nothing.
      await gone;
      const record = readFileSync(path.join(dir, 'rollback-undo-journal.json'), 'utf8');
      const again = await runBundle(['undo', '--journal', journal, '--marathon', proxy.url]);
      expect(again.code).toBe(3);
      expect(lastLine(again.stderr)).toMatch(
        new RegExp(
          `^rollback: cannot reach Marathon at ${proxy.url}: ECONNREFUSED; the undo changed nothing`,
        ),
      );
      expect(readFileSync(path.join(dir, 'rollback-undo-journal.json'), 'utf8')).toBe(record);
    } finally {
      await (gone ?? proxy.stop());
    }
  }, 180_000);
});
