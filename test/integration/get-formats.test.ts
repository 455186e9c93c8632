import { registryKinds } from '../support/registries';
import type { RealRegistry } from '../support/docker-registry';
import { pushImage, pushManifest } from '../support/push-image';
import { buildImage, buildIndex } from '../../src/sandbox/image-builder';
import { nov, removeTempDirs, runGet } from './get-support';

/**
 * `get` against a real registry: every manifest format, the dating precedence, environments mixed
 * in one repository, name order against time order, and images without a usable date.
 */
describe.each(registryKinds)('get against $name: formats and dates', (kind) => {
  let reg: RealRegistry;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    reg = await kind.start();
    const s2 = (repo: string, tag: string, created: string) =>
      pushImage(reg, repo, tag, { kind: 'schema2', created }).then((d) => (digests[`${repo}:${tag}`] = d));

    // team/app, Docker schema2. Name order and time order disagree: 1.10.0 is the newest.
    await s2('team/app', '1.9.0-develop', nov(10));
    await s2('team/app', '1.10.0-develop', nov(12));
    await s2('team/app', '1.8.0-develop', nov(11));
    await s2('team/app', '1.1.0_develop', nov(5));
    await s2('team/app', '1.2.0.develop', nov(6));
    await s2('team/app', '1.0.0-develop', '1970-01-01T00:00:00Z'); // a reproducible build
    // Other environments, newer than everything above: never part of develop.
    await s2('team/app', '1.9.0-redevelop', nov(20));
    await s2('team/app', '1.9.0-stage', nov(21));
    await s2('team/app', 'latest', nov(22));
    await s2('team/app', 'develop', nov(23));

    // team/oci, OCI manifests: annotation beats config, a label alone is enough, nothing is undated.
    digests['team/oci:2.0.0-develop'] = await pushImage(reg, 'team/oci', '2.0.0-develop', {
      kind: 'oci',
      annotation: nov(8),
      created: nov(1),
    });
    digests['team/oci:2.1.0-develop'] = await pushImage(reg, 'team/oci', '2.1.0-develop', {
      kind: 'oci',
      label: nov(9),
    });
    await pushImage(reg, 'team/oci', '2.2.0-develop', { kind: 'oci' });

    // team/multi: an OCI index with an attestation entry and arm64 listed before amd64, a Docker
    // manifest list, and an index whose only date is its own annotation.
    const arm = buildImage({ kind: 'oci', marker: 'multi-arm', architecture: 'arm64', created: nov(2) });
    const amd = buildImage({ kind: 'oci', marker: 'multi-amd', created: nov(3) });
    digests['team/multi:3.0.0-develop'] = await pushManifest(
      reg,
      'team/multi',
      '3.0.0-develop',
      buildIndex({
        kind: 'oci-index',
        attestation: true,
        children: [
          { image: arm, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
          { image: amd, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      }),
    );
    const s2amd = buildImage({ kind: 'schema2', marker: 'list-amd', created: nov(4) });
    const s2arm = buildImage({
      kind: 'schema2',
      marker: 'list-arm',
      architecture: 'arm64',
      created: nov(14),
    });
    digests['team/multi:3.1.0-develop'] = await pushManifest(
      reg,
      'team/multi',
      '3.1.0-develop',
      buildIndex({
        kind: 'docker-list',
        children: [
          { image: s2arm, platform: { architecture: 'arm64', os: 'linux' } },
          { image: s2amd, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      }),
    );
    // team/frozen: reproducible builds only, nothing dated.
    await pushImage(reg, 'team/frozen', '0.1.0-develop', {
      kind: 'schema2',
      created: '1970-01-01T00:00:00Z',
    });

    const undatedChild = buildImage({ kind: 'oci', marker: 'multi-undated' });
    digests['team/multi:3.2.0-develop'] = await pushManifest(
      reg,
      'team/multi',
      '3.2.0-develop',
      buildIndex({
        kind: 'oci-index',
        annotation: nov(7),
        children: [{ image: undatedChild, platform: { architecture: 'amd64', os: 'linux' } }],
      }),
    );
  });

  afterAll(async () => {
    await reg?.stop();
    removeTempDirs();
  });

  const args = (...extra: string[]) => [
    '--registry',
    reg.url,
    '--repo',
    'team/app,team/oci,team/multi',
    '--env',
    'develop',
    ...extra,
  ];

  it('prints the days of every dated image newest first and writes a valid catalog', async () => {
    const run = await runGet(args());
    expect(run.stderr).not.toMatch(/^rollback: /m);
    expect(run.code).toBe(0);
    expect(run.dates).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3].map((d) => nov(d).slice(0, 10)));

    const catalog = run.catalog();
    expect(catalog.registry).toBe(reg.url);
    expect(catalog.environment).toBe('develop');
    expect(catalog.timeZone).toBe('UTC');
    expect(catalog.offeredDates).toEqual(run.dates);
    const byName = Object.fromEntries(catalog.repositories.map((r) => [r.name, r]));
    expect(catalog.repositories.map((r) => r.name)).toEqual(['team/app', 'team/oci', 'team/multi']);

    // Newest first by build time, not by name; other environments are not there.
    expect(byName['team/app']!.images).toEqual(
      [
        ['1.10.0-develop', 12],
        ['1.8.0-develop', 11],
        ['1.9.0-develop', 10],
        ['1.2.0.develop', 6],
        ['1.1.0_develop', 5],
      ].map(([tag, day]) => ({
        tag,
        digest: digests[`team/app:${tag}`],
        created: new Date(nov(day as number)).toISOString(),
      })),
    );
    expect(byName['team/oci']!.images.map((i) => [i.tag, i.created.slice(0, 10), i.digest])).toEqual([
      ['2.1.0-develop', '2026-11-09', digests['team/oci:2.1.0-develop']],
      ['2.0.0-develop', '2026-11-08', digests['team/oci:2.0.0-develop']],
    ]);
    // Indexes are listed under their own digest, dated by their linux/amd64 image.
    expect(byName['team/multi']!.images.map((i) => [i.tag, i.created.slice(0, 10), i.digest])).toEqual([
      ['3.2.0-develop', '2026-11-07', digests['team/multi:3.2.0-develop']],
      ['3.1.0-develop', '2026-11-04', digests['team/multi:3.1.0-develop']],
      ['3.0.0-develop', '2026-11-03', digests['team/multi:3.0.0-develop']],
    ]);
  });

  it('reports an image dated 1970 or not dated at all and leaves it out', async () => {
    const run = await runGet(args());
    expect(run.code).toBe(0);
    const byName = Object.fromEntries(run.catalog().repositories.map((r) => [r.name, r]));
    expect(byName['team/app']!.undated).toEqual([
      {
        tag: '1.0.0-develop',
        digest: digests['team/app:1.0.0-develop'],
        reason: expect.stringMatching(/1970/),
      },
    ]);
    expect(byName['team/oci']!.undated).toEqual([
      expect.objectContaining({ tag: '2.2.0-develop', reason: 'the image has no creation date' }),
    ]);
    expect(run.dates).not.toContain('1970-01-01');
    expect(run.stderr).toMatch(
      /warning: team\/app: 1 of 6 develop images has no usable creation date and is left out \(1\.0\.0-develop: /,
    );
    expect(run.stderr).toMatch(
      /warning: team\/oci: 1 of 3 develop images has .*\(2\.2\.0-develop: the image has no creation date\)/,
    );
  });

  it('keeps a repository without any dated image in the catalog, and says run will miss it', async () => {
    const run = await runGet(['--registry', reg.url, '--repo', 'team/oci,team/frozen', '--env', 'develop']);
    expect(run.code).toBe(0);
    expect(run.dates).toEqual(['2026-11-09', '2026-11-08']);
    expect(run.catalog().repositories[1]).toEqual({
      name: 'team/frozen',
      images: [],
      undated: [expect.objectContaining({ tag: '0.1.0-develop', reason: expect.stringMatching(/1970/) })],
    });
    expect(run.stderr).toMatch(
      /warning: team\/frozen: no develop image has a usable date; run will report it as missing/,
    );
  });

  it('fails with exit 2 when no image at all has a usable date', async () => {
    const run = await runGet(['--registry', reg.url, '--repo', 'team/frozen', '--env', 'develop', '-q']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^rollback: no image of environment develop has a usable creation date in team\/frozen \(the warnings above say why each was left out\)$/m,
    );
  });

  it('offers the days of the newest --keep images per repository but keeps every image', async () => {
    const run = await runGet(args('--keep', '2'));
    expect(run.code).toBe(0);
    expect(run.dates).toEqual([
      '2026-11-12',
      '2026-11-11',
      '2026-11-09',
      '2026-11-08',
      '2026-11-07',
      '2026-11-04',
    ]);
    const catalog = run.catalog();
    expect(catalog.keep).toBe(2);
    expect(catalog.repositories.map((r) => r.images.length)).toEqual([5, 2, 3]);
  });

  it('counts calendar days in --tz', async () => {
    // Noon UTC is already the next day in Auckland (UTC+13 in November).
    const run = await runGet(args('--tz', 'Pacific/Auckland'));
    expect(run.code).toBe(0);
    expect(run.dates).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4].map((d) => nov(d).slice(0, 10)));
    expect(run.catalog().timeZone).toBe('Pacific/Auckland');
  });

  it('selects tags with --tag-pattern, matched against the whole tag', async () => {
    const run = await runGet(args('--tag-pattern', '[0-9.]+-{env}'));
    expect(run.code).toBe(0);
    // `1.1.0_develop` and `1.2.0.develop` do not match `-develop` exactly.
    const app = run.catalog().repositories.find((r) => r.name === 'team/app')!;
    expect(app.images.map((i) => i.tag)).toEqual(['1.10.0-develop', '1.8.0-develop', '1.9.0-develop']);
    expect(run.catalog().tagPattern).toBe('[0-9.]+-{env}');
  });
});
