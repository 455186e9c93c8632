import type { ChildProcess } from 'node:child_process';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import {
  APP,
  changingRequests,
  dumpDir,
  imageOf,
  lastLine,
  MARATHON_BASIC,
  MARATHON_ENV,
  readJson,
  journalOf,
  releaseImages,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * Marathon answering the watch's read of an app a byte every two seconds: an idle timeout never
 * fires, so only a deadline on the request ends it. --timeout must still end the watch on time
 * and the run put back what it changed; a SIGTERM in the middle of such an answer must not wait
 * for it either.
 */

const env = MARATHON_ENV;
const API_READ = /^\/v2\/apps\/ds\/dev\/shop\/api$/;
/** How long a run waiting for the whole trickle (minutes) is given before it is killed. */
const GIVE_UP_MS = 100_000;

describe('run while Marathon trickles its answers (bundled helper, emulator behind a fault proxy)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let proxy: FaultProxy | undefined;
  let dir: string;
  const original = () => releaseImages(world).before;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon!, id)]));
  /** When the emulator received the first change that puts api back, if it did. */
  const apiPutBack = () =>
    changingRequests(marathon!).filter(
      (r) => r.path.startsWith(`/v2/apps${APP.api}`) && r.body.includes(original()[APP.api]!),
    ).length > 0;

  beforeAll(async () => {
    world = await startWorld();
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 1000 });
    proxy = await startFaultProxy({ target: marathon.url });
    // The read before the change passes; the watch's first read of api trickles.
    proxy.addRule({ method: 'GET', path: API_READ, fault: { trickleMs: 2000 }, after: 1, times: 1 });
    dir = dumpDir(world);
  });
  afterEach(async () => {
    await proxy?.close();
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  /** The run; `onTrickle` is called once the trickled read has reached Marathon. */
  function runThroughProxy(flags: string[], onTrickle: (child: ChildProcess) => void) {
    let trickleAt = 0;
    let putBackAt = 0;
    const result = runBundle(
      runArgs({ dir, marathon: proxy!.url }, '--json', ...flags),
      env,
      undefined,
      (child) => {
        const giveUp = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
        const poll = setInterval(() => {
          const reads = marathon!.requests.filter((r) => r.method === 'GET' && API_READ.test(r.path));
          if (!trickleAt && proxy!.log.some((e) => e.fault === 'trickle') && reads.length >= 2) {
            trickleAt = Date.now();
            onTrickle(child);
          }
          if (trickleAt && !putBackAt && apiPutBack()) putBackAt = Date.now();
        }, 5);
        child.on('close', () => {
          clearTimeout(giveUp);
          clearInterval(poll);
        });
      },
    );
    return result.then((r) => ({ ...r, trickleAt, putBackAt, endAt: Date.now() }));
  }

  it(
    '--timeout 4 still fires while the read trickles: api is put back, exit 1',
    async () => {
      const result = await runThroughProxy(['--timeout', '4'], () => undefined);
      expect(result.code).toBe(1);
      expect(result.trickleAt).toBeGreaterThan(0);
      // The watch gives a read its remaining time plus a second; a generous bound for a busy machine.
      expect(result.putBackAt - result.trickleAt).toBeLessThan(4_000 + 20_000);
      expect(lastLine(result.stderr)).toMatch(
        /^rollback: the rollback to 2026-11-27 failed \(\/ds\/dev\/shop\/api: not confirmed within 4s: no complete answer from Marathon in time \(the request was abandoned\); put back\); every changed app is back on its previous image/,
      );
      expect(JSON.parse(result.stdout).summary).toBe(
        'dev → 2026-11-27 FAILED, reverted: api FAILED on 1.5.0-develop, billing back on 1.4.0-develop, frontend unchanged',
      );
      expect(images()).toEqual(original());
      expect(readJson(journalOf(dir)).status).toBe('reverted');
    },
    2 * GIVE_UP_MS,
  );

  it(
    'SIGTERM during the trickle: the watch gives up the read at once and api is put back, exit 1',
    async () => {
      let signalAt = 0;
      const result = await runThroughProxy(['--timeout', '600'], (child) => {
        signalAt = Date.now();
        child.kill('SIGTERM');
      });
      expect(result.code).toBe(1);
      expect(signalAt).toBeGreaterThan(0);
      // Promptly: not after the answer (minutes of trickle), nor after --timeout.
      expect(result.putBackAt - signalAt).toBeLessThan(15_000);
      expect(result.endAt - signalAt).toBeLessThan(30_000);
      expect(result.stderr).toContain('SIGTERM: starting no more deployments; putting back what was changed');
      expect(JSON.parse(result.stdout).summary).toMatch(
        /^dev → 2026-11-27 INTERRUPTED \(SIGTERM\), reverted: /,
      );
      expect(images()).toEqual(original());
      expect(readJson(journalOf(dir)).status).toBe('reverted');
    },
    2 * GIVE_UP_MS,
  );
});
