import nock from 'nock';
import { createHash } from 'node:crypto';
import { BadAnswerError } from '../../src/errors';
import { defaultRetryPolicy } from '../../src/http/retry';
import { RegistryClient } from '../../src/registry/client';
import { ManifestType, parseManifest } from '../../src/registry/manifest';

/**
 * Every manifest is checked against its digest, whatever its media type says: schema1 is what its
 * body's schemaVersion says, and a signed schema1 is checked over its payload without the
 * signatures, as libtrust and distribution compute it. Against nock (every mock must be used).
 */

const REG = 'http://registry.test';
const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const client = () =>
  new RegistryClient({
    registry: REG,
    concurrency: 1,
    retryPolicy: { ...defaultRetryPolicy, sleep: async () => {} },
  });

const oci = JSON.stringify({
  schemaVersion: 2,
  mediaType: ManifestType.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('{}'), size: 2 },
  layers: [],
  annotations: { 'org.opencontainers.image.created': '2026-11-21T12:00:00Z' },
});

/** A signed schema1 manifest as libtrust writes it: signatures spliced in before the closing brace. */
function signedSchema1(created: string): { body: string; digest: string } {
  const payload = JSON.stringify(
    {
      schemaVersion: 1,
      name: 'app',
      tag: '1-develop',
      fsLayers: [{ blobSum: sha('layer') }],
      history: [{ v1Compatibility: JSON.stringify({ created }) }],
    },
    null,
    3,
  );
  const formatLength = payload.lastIndexOf('\n}');
  const formatTail = Buffer.from(payload.slice(formatLength)).toString('base64url');
  const protectedHeader = Buffer.from(JSON.stringify({ formatLength, formatTail, time: 'x' })).toString(
    'base64url',
  );
  const signatures = `,\n   "signatures": [{"header": {"alg": "ES256"}, "signature": "c2ln", "protected": "${protectedHeader}"}]`;
  return {
    body: payload.slice(0, formatLength) + signatures + payload.slice(formatLength),
    digest: sha(payload),
  };
}

describe('manifest digests', () => {
  it('checks an OCI image manifest against its digest (its type contains "manifest.v1+")', async () => {
    const forged = oci.replace('2026-11-21T12:00:00Z', '2020-01-01T00:00:00Z');
    const scope = nock(REG)
      .get('/v2/app/manifests/1-develop')
      .reply(200, forged, { 'Content-Type': ManifestType.ociManifest, 'Docker-Content-Digest': sha(oci) });
    const err = await client()
      .getManifest('app', '1-develop')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadAnswerError);
    expect((err as BadAnswerError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `${REG} sent a manifest for app:1-develop that does not match its digest ${sha(oci)}; nothing from it was used or cached`,
    );
    scope.done();
  });

  it('checks a signed schema1 manifest over its payload without the signatures', async () => {
    const genuine = signedSchema1('2026-11-20T12:00:00Z');
    const forged = genuine.body.replace('2026-11-20', '2020-01-01');
    const scope = nock(REG)
      .get('/v2/app/manifests/1-develop')
      .reply(200, genuine.body, {
        'Content-Type': ManifestType.schema1Signed,
        'Docker-Content-Digest': genuine.digest,
      })
      .get('/v2/app/manifests/1-develop')
      .reply(200, forged, {
        'Content-Type': ManifestType.schema1Signed,
        'Docker-Content-Digest': genuine.digest,
      });
    const got = await client().getManifest('app', '1-develop');
    expect(got?.digest).toBe(genuine.digest);
    expect(got?.manifest.ok && got.manifest.value.kind).toBe('schema1');
    await expect(client().getManifest('app', '1-develop')).rejects.toThrow(/does not match its digest/);
    scope.done();
  });

  it('does not let a schema1 Content-Type pass another manifest off as schema1', async () => {
    const scope = nock(REG)
      .get('/v2/app/manifests/1-develop')
      .reply(200, oci, { 'Content-Type': ManifestType.schema1Signed, 'Docker-Content-Digest': sha('other') });
    await expect(client().getManifest('app', '1-develop')).rejects.toThrow(/does not match its digest/);
    scope.done();
  });
});

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('schema1 is decided by schemaVersion', () => {
  it.each([
    [
      'a schema1 Content-Type on a schemaVersion 2 body',
      body({ schemaVersion: 2, config: { digest: sha('{}') } }),
      ManifestType.schema1Signed,
      'the registry sent a schema1 manifest with schemaVersion 2',
    ],
    [
      'an image Content-Type on a schemaVersion 1 body',
      body({ schemaVersion: 1, history: [] }),
      ManifestType.ociManifest,
      'the registry sent an image manifest with schemaVersion 1',
    ],
    [
      'a signed schema1 manifest whose protected header is unreadable',
      body({ schemaVersion: 1, history: [], signatures: [{ protected: 'not-json' }] }),
      ManifestType.schema1Signed,
      'the signed schema1 manifest has no readable protected header',
    ],
  ])('refuses %s', (_what, data, type, reason) => {
    expect(parseManifest(data, type)).toEqual({ ok: false, reason });
  });
});
