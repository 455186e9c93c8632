import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage } from '../support/push-image';
import { removeTempDirs, tempDir } from './get-support';
import { runBundle } from './run-fixture';

/**
 * Image dates are the same on every machine. Against a real docker-registry, images whose
 * `org.opencontainers.image.created` label has no offset (`2026-11-30T23:30:00`, which the local
 * time zone would place on 11-30 or 12-01) or names no real day (`2026-11-31T08:00Z`, which would
 * roll over to December 1) are dated by their config instead, or left undated and reported, and
 * the bundled helper writes the same rollback.json on agents at UTC+14 and UTC-10.
 */

let registry: RealRegistry;

beforeAll(async () => {
  registry = await startDockerRegistry();
  const push = (tag: string, spec: { label: string; created?: string }) =>
    pushImage(registry, 'team/svc', tag, { kind: 'schema2', ...spec });
  await push('1.0.0-develop', { label: '2026-11-30T23:30:00', created: '2026-11-27T10:00:00Z' });
  await push('1.1.0-develop', { label: '2026-11-31T08:00Z', created: '2026-11-28T10:00:00Z' });
  await push('1.2.0-develop', { label: '2026-11-30T23:30:00' });
  // An offset is one instant everywhere: 23:30 at UTC-2 is 01:30 UTC on December 1.
  await push('1.3.0-develop', { label: '2026-11-29T23:30:00-02:00', created: '2026-11-20T10:00:00Z' });
});

afterAll(async () => {
  await registry?.stop();
  removeTempDirs();
});

async function getIn(timeZone: string) {
  const dump = tempDir(`dates-${timeZone.replace(/\W/g, '-')}`);
  const run = await runBundle(
    [
      'get',
      '--registry',
      registry.url,
      '--repo',
      'team/svc',
      '--env',
      'develop',
      '--dump',
      dump,
      '--no-cache',
    ],
    { TZ: timeZone, HOME: dump },
  );
  const { generatedAt: _when, ...catalog } = JSON.parse(
    readFileSync(path.join(dump, 'rollback.json'), 'utf8'),
  );
  return { ...run, catalog };
}

it('dates images the same at UTC+14 and UTC-10, falling back from labels that are no dates', async () => {
  const kiritimati = await getIn('Pacific/Kiritimati');
  const adak = await getIn('America/Adak');
  expect(kiritimati.code).toBe(0);
  expect(adak.code).toBe(0);
  expect(adak.catalog).toEqual(kiritimati.catalog);
  expect(adak.stdout).toBe(kiritimati.stdout);

  const repository = kiritimati.catalog.repositories[0];
  expect(repository.images.map((i: { tag: string; created: string }) => [i.tag, i.created])).toEqual([
    ['1.3.0-develop', '2026-11-30T01:30:00.000Z'],
    ['1.1.0-develop', '2026-11-28T10:00:00.000Z'],
    ['1.0.0-develop', '2026-11-27T10:00:00.000Z'],
  ]);
  expect(repository.undated).toEqual([
    {
      tag: '1.2.0-develop',
      digest: expect.stringMatching(/^sha256:/),
      reason: 'no plausible creation date (label "2026-11-30T23:30:00": no UTC offset (Z or ±hh:mm))',
    },
  ]);
  // Reported as get reports any image it cannot date.
  for (const run of [kiritimati, adak]) {
    expect(run.stderr).toContain(
      'warning: team/svc: 1 of 4 develop images has no usable creation date and is left out (1.2.0-develop: no plausible creation date (label "2026-11-30T23:30:00": no UTC offset (Z or ±hh:mm)))',
    );
  }
});
