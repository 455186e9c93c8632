import {
  ManifestType,
  parseImageConfig,
  parseManifest,
  pickPlatformChild,
  type IndexManifest,
} from '../../src/registry/manifest';

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const body = (v: unknown) => Buffer.from(JSON.stringify(v));
const image = { schemaVersion: 2, config: { digest: D(1), size: 2 }, layers: [] };
const index = {
  schemaVersion: 2,
  manifests: [{ digest: D(2), platform: { os: 'linux', architecture: 'amd64' } }],
};

describe('the kind of a manifest: Content-Type, then mediaType, then shape', () => {
  it.each([
    [ManifestType.ociIndex, index, 'index'],
    [ManifestType.dockerList, index, 'index'],
    [`${ManifestType.ociManifest}; charset=utf-8`, image, 'image'],
    [ManifestType.dockerManifest, image, 'image'],
  ])('by Content-Type %s', (type, manifest, kind) => {
    const parsed = parseManifest(body(manifest), type);
    expect(parsed.ok && parsed.value.kind).toBe(kind);
  });

  it('by the body mediaType when the Content-Type says nothing useful', () => {
    const parsed = parseManifest(body({ ...index, mediaType: ManifestType.ociIndex }), 'application/json');
    expect(parsed.ok && parsed.value.kind).toBe('index');
  });

  it('by shape when neither says anything (OCI makes mediaType optional)', () => {
    for (const [manifest, kind] of [
      [index, 'index'],
      [image, 'image'],
      [{ schemaVersion: 1, history: [{ v1Compatibility: '{}' }] }, 'schema1'],
    ] as const) {
      const parsed = parseManifest(body(manifest), undefined);
      expect(parsed.ok && parsed.value.kind).toBe(kind);
    }
  });

  it('reads schema1 (signed or not) for its v1Compatibility entries', () => {
    const parsed = parseManifest(
      body({ schemaVersion: 1, history: [{ v1Compatibility: '{"created":"x"}' }, { nope: 1 }] }),
      ManifestType.schema1Signed,
    );
    expect(parsed).toEqual({ ok: true, value: { kind: 'schema1', v1Compatibility: ['{"created":"x"}'] } });
  });

  it.each([
    ['not JSON', Buffer.from('<html>'), ManifestType.dockerManifest, 'the manifest is not JSON'],
    ['a JSON string', body('x'), ManifestType.dockerManifest, 'the manifest is not a JSON object'],
    [
      'a body that contradicts the Content-Type',
      body({ ...index, mediaType: ManifestType.ociIndex }),
      ManifestType.ociManifest,
      `the registry sent Content-Type ${ManifestType.ociManifest} with a ${ManifestType.ociIndex} body`,
    ],
    [
      'an image without config digest',
      body({ config: {} }),
      ManifestType.ociManifest,
      'the image manifest has no valid config descriptor',
    ],
    [
      'an index entry without digest',
      body({ manifests: [{}] }),
      ManifestType.ociIndex,
      'the index has an entry without a valid digest',
    ],
    [
      'an unknown type',
      body({ foo: 1 }),
      'application/vnd.example+json',
      'unsupported manifest type application/vnd.example+json',
    ],
  ])('refuses %s', (_what, data, type, reason) => {
    expect(parseManifest(data, type)).toEqual({ ok: false, reason });
  });
});

const entry = (
  n: number,
  platform?: { os: string; architecture: string },
  annotations?: Record<string, string>,
) => ({
  digest: D(n),
  ...(platform ? { platform } : {}),
  ...(annotations ? { annotations } : {}),
});
const idx = (...manifests: ReturnType<typeof entry>[]): IndexManifest => ({
  kind: 'index',
  manifests,
  annotations: {},
});

describe('which child of an index is dated', () => {
  it('skips attestations and unknown/unknown, and prefers linux/amd64 wherever it is listed', () => {
    const chosen = pickPlatformChild(
      idx(
        entry(
          1,
          { os: 'unknown', architecture: 'unknown' },
          { 'vnd.docker.reference.type': 'attestation-manifest' },
        ),
        entry(2, { os: 'linux', architecture: 'arm64' }),
        entry(3, { os: 'linux', architecture: 'amd64' }),
      ),
    );
    expect(chosen?.digest).toBe(D(3));
  });

  it('takes the first remaining entry when there is no linux/amd64', () => {
    expect(
      pickPlatformChild(
        idx(
          entry(1, { os: 'unknown', architecture: 'unknown' }),
          entry(2, { os: 'linux', architecture: 'arm64' }),
          entry(3, { os: 'windows', architecture: 'amd64' }),
        ),
      )?.digest,
    ).toBe(D(2));
  });

  it('counts an entry without a platform as linux/amd64', () => {
    expect(pickPlatformChild(idx(entry(2, { os: 'linux', architecture: 'arm64' }), entry(4)))?.digest).toBe(
      D(4),
    );
  });

  it('finds nothing in an index of attestations only', () => {
    expect(
      pickPlatformChild(
        idx(
          entry(
            1,
            { os: 'linux', architecture: 'amd64' },
            { 'vnd.docker.reference.type': 'attestation-manifest' },
          ),
        ),
      ),
    ).toBeUndefined();
  });
});

describe('image config', () => {
  it('reads created and the labels, whatever the Content-Type was', () => {
    expect(
      parseImageConfig(body({ created: '2026-11-01T00:00:00Z', config: { Labels: { a: 'b', n: 1 } } })),
    ).toEqual({ ok: true, value: { created: '2026-11-01T00:00:00Z', labels: { a: 'b' } } });
    expect(parseImageConfig(body({}))).toEqual({ ok: true, value: { created: undefined, labels: {} } });
    expect(parseImageConfig(Buffer.from('nope'))).toEqual({
      ok: false,
      reason: 'the image config is not JSON',
    });
  });
});
