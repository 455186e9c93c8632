import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMarathonEmulator, type MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  changingRequests,
  definitionWithoutImage,
  dumpDir,
  imageOf,
  journalOf,
  MARATHON_BASIC,
  MARATHON_ENV,
  releaseImages,
  richApp,
  runArgs,
  runBundle,
  startWorld,
  type Spawned,
  type World,
} from './run-fixture';

/**
 * What an app's definition carries besides its image is often a secret: a command line with a
 * token, a fetch URI with a password, a label, a `docker run --env`, env values, secret sources.
 * The journal (archived by Jenkins with the build) keeps only what undo needs, the image and the
 * version, so none of these reaches any file or output of run, revert or undo, and Marathon keeps
 * every one of them: the tool sends back only the container with its image replaced.
 */

/** One marker per field; each is unique, so finding it anywhere says which field leaked. */
const MARKER = {
  cmd: 'cmd-marker-7f3a91',
  args: 'args-marker-91c2d4',
  fetch: 'fetch-marker-4d8e06',
  label: 'label-marker-b6a1f3',
  parameter: 'param-marker-2e5f77',
  env: 'env-marker-c0d95b',
  secret: 'secret-marker-5a7b28',
};

/** The fields that carry a marker; `cmd` or `args` (Marathon takes one of them). */
function secretFields(command: 'cmd' | 'args'): Record<string, unknown> {
  return {
    ...(command === 'cmd'
      ? { cmd: `exec /app/server --db-password=${MARKER.cmd}` }
      : { args: ['--api-token', MARKER.args] }),
    fetch: [{ uri: `https://deploy:${MARKER.fetch}@artifacts.example.com/config.tgz`, extract: true }],
    labels: { team: 'shop', DB_PASSWORD: MARKER.label },
    env: { SPRING_PROFILES_ACTIVE: 'dev', API_TOKEN: MARKER.env, DB_PASSWORD: { secret: 'db' } },
    secrets: { db: { source: `/ds/dev/${MARKER.secret}` } },
  };
}

/** A rich app with every secret-bearing field, `--env=TOKEN=…` among its Docker parameters. */
function appWithSecrets(id: string, image: string, command: 'cmd' | 'args', extra = {}) {
  const app = richApp(id, image, { ...secretFields(command), ...extra }) as any;
  app.container.docker.parameters.push({ key: 'env', value: `TOKEN=${MARKER.parameter}` });
  return app as Record<string, unknown>;
}

/** Every marker found in `text`, by field. */
const leaked = (text: string) => Object.entries(MARKER).filter(([, m]) => text.includes(m));

describe('app secrets never reach the journal or any output (bundled helper, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await marathon?.close();
    await world?.stop();
  });

  it('run (with a revert), a second run and undo: no marker in any file or output; Marathon keeps every field', async () => {
    const h = world.host;
    marathon = await startMarathonEmulator({ basic: MARATHON_BASIC, deploymentMs: 300 });
    marathon.addApp(appWithSecrets(APP.api, `${h}/shop/api:1.5.0-develop`, 'cmd'));
    marathon.addApp(
      appWithSecrets(APP.billing, `${h}/shop/billing:1.4.0-develop`, 'args', {
        healthChecks: [],
        instances: 1,
      }),
    );
    marathon.addApp(appWithSecrets(APP.frontend, `${h}/shop/frontend:2.0.0-develop`, 'cmd'));
    const ids = [APP.api, APP.billing, APP.frontend];
    const before = Object.fromEntries(ids.map((id) => [id, definitionWithoutImage(marathon!, id)]));
    // The emulator holds them as given: the test's markers are really there to leak.
    expect(
      leaked(JSON.stringify(before))
        .map(([field]) => field)
        .sort(),
    ).toEqual(Object.keys(MARKER).sort());

    const dir = dumpDir(world);
    const env = MARATHON_ENV;
    const outputs: Spawned[] = [];
    const args = (...extra: string[]) =>
      runArgs({ dir, marathon: marathon!.url }, '--timeout', '10', ...extra);

    // A failed deployment: api is put back.
    marathon.failNextDeployment(APP.billing, 'fail');
    outputs.push(await runBundle(args('--timeout', '5'), env));
    expect(outputs.at(-1)!.code).toBe(1);
    expect(imageOf(marathon, APP.api)).toBe(releaseImages(world).before[APP.api]);
    // Done this time, shown as JSON too.
    outputs.push(await runBundle(args('--timeout', '30', '--json'), env));
    expect(outputs.at(-1)!.code).toBe(0);
    expect(imageOf(marathon, APP.api)).toBe(releaseImages(world).target[APP.api]);
    // Undo, once with its record beside the journal and once elsewhere (a second undo changes nothing).
    outputs.push(await runBundle(['undo', '--journal', journalOf(dir), '--timeout', '30'], env));
    expect(outputs.at(-1)!.code).toBe(0);
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'rollback-record-'));
    outputs.push(
      await runBundle(
        ['undo', '--journal', journalOf(dir), '--record', path.join(elsewhere, 'undo.json'), '--json'],
        env,
      ),
    );
    expect(outputs.at(-1)!.code).toBe(0);

    // The image is back, and every other field is as it was.
    for (const id of ids) {
      expect(imageOf(marathon, id)).toBe(releaseImages(world).before[id]);
      expect(definitionWithoutImage(marathon, id)).toEqual(before[id]);
    }
    // Only the container went to Marathon: api and billing deployed and put back, deployed again, undone.
    const bodies = changingRequests(marathon).map((r) => Object.keys(JSON.parse(r.body)));
    expect(bodies.length).toBe(8);
    for (const keys of bodies) expect(keys).toEqual(['container']);

    // Nothing written or printed holds a marker: journal, its archive, undo records, plan, summary.
    const files = [dir, elsewhere].flatMap((d) => readdirSync(d).map((f) => path.join(d, f)));
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining([
        'rollback-journal.json',
        'rollback-undo-journal.json',
        'undo.json',
        'rollback-plan.json',
        'rollback-summary.txt',
      ]),
    );
    expect(files.some((f) => /rollback-journal\..+\.json$/.test(f))).toBe(true);
    for (const file of files)
      if (path.basename(file) !== 'rollback.json')
        expect({ file, leaked: leaked(readFileSync(file, 'utf8')) }).toEqual({ file, leaked: [] });
    outputs.forEach((o, i) =>
      expect({ command: i, leaked: leaked(o.stdout + o.stderr) }).toEqual({ command: i, leaked: [] }),
    );
  });
});
