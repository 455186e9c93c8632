import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { pushImage, pushManifest } from '../support/push-image';
import { request } from '../support/http';
import { buildImage, buildIndex, MediaType } from '../../src/sandbox/image-builder';

// Proves the test support itself against the real registry: what it pushes is what comes back.
describe('test support: pushing to a real docker-registry', () => {
  let reg: RealRegistry;
  beforeAll(async () => {
    reg = await startDockerRegistry();
  });
  afterAll(() => reg?.stop());

  it('pushes schema2, OCI and an OCI index that the registry serves back by digest', async () => {
    const d1 = await pushImage(reg, 'team/app', '1.0.0-develop', {
      kind: 'schema2',
      created: '2026-11-20T10:00:00Z',
    });
    const d2 = await pushImage(reg, 'team/app', '1.1.0-develop', {
      kind: 'oci',
      annotation: '2026-11-21T10:00:00Z',
    });
    const amd = buildImage({ kind: 'oci', marker: 'amd', created: '2026-11-22T10:00:00Z' });
    const arm = buildImage({
      kind: 'oci',
      marker: 'arm',
      architecture: 'arm64',
      created: '2026-11-22T10:00:00Z',
    });
    const index = buildIndex({
      kind: 'oci-index',
      attestation: true,
      children: [
        { image: arm, platform: { architecture: 'arm64', os: 'linux' } },
        { image: amd, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    });
    const d3 = await pushManifest(reg, 'team/app', '1.2.0-develop', index);
    const accept = [
      MediaType.ociIndex,
      MediaType.dockerList,
      MediaType.ociManifest,
      MediaType.dockerManifest,
    ].join(',');
    for (const [tag, digest, type] of [
      ['1.0.0-develop', d1, MediaType.dockerManifest],
      ['1.1.0-develop', d2, MediaType.ociManifest],
      ['1.2.0-develop', d3, MediaType.ociIndex],
    ] as const) {
      const res = await request(`${reg.url}/v2/team/app/manifests/${tag}`, { headers: { Accept: accept } });
      expect(res.status).toBe(200);
      expect(res.headers['docker-content-digest']).toBe(digest);
      expect(res.headers['content-type']).toBe(type);
    }
    const tags = (await request(`${reg.url}/v2/team/app/tags/list`)).json<{ tags: string[] }>();
    expect(tags.tags.sort()).toEqual(['1.0.0-develop', '1.1.0-develop', '1.2.0-develop']);
  });

  it('pushes with basic auth to an htpasswd registry', async () => {
    const auth = await startDockerRegistry({ basic: { user: 'ci', password: 's3cret-pw' } });
    try {
      expect((await request(`${auth.url}/v2/`)).status).toBe(401);
      await pushImage(auth, 'team/svc', '1.0.0-develop', {
        kind: 'schema2',
        created: '2026-11-20T10:00:00Z',
      });
      const res = await request(`${auth.url}/v2/team/svc/tags/list`, {
        headers: { Authorization: `Basic ${Buffer.from('ci:s3cret-pw').toString('base64')}` },
      });
      expect(res.json()).toEqual({ name: 'team/svc', tags: ['1.0.0-develop'] });
    } finally {
      await auth.stop();
    }
  });
});
