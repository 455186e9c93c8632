import type { JsonObject } from '../../src/sandbox/kubernetes';
import { seedKubernetesStory } from '../../src/sandbox/kubernetes/story';
import { storyApps } from '../../src/sandbox/story';

/** The Kubernetes demo tells the Marathon demo's story: same services, images and decoys, a namespace per environment. */
describe('the Kubernetes demo story', () => {
  const now = new Date('2026-11-28T10:00:00Z');
  const seeded: JsonObject[] = [];
  const workloads = seedKubernetesStory(
    { addDeployment: (m) => (seeded.push(m), m) },
    'registry.local:5000',
    now,
  );
  const byKey = new Map(
    seeded.map((d) => [`${(d as any).metadata.namespace}/${(d as any).metadata.name}`, d as any]),
  );

  it('runs frontend, api and billing in namespace dev on the story images', () => {
    for (const service of ['frontend', 'api', 'billing']) {
      const app = storyApps(now).find((a) => a.id === `/ds/dev/shop/${service}`)!;
      const d = byKey.get(`dev/${service}`);
      expect(d.spec.template.spec.containers).toEqual([
        expect.objectContaining({ name: service, image: `registry.local:5000/shop/${service}:${app.tag}` }),
      ]);
    }
  });

  it('seeds every environment and the decoys, and says which are decoys', () => {
    expect([...byKey.keys()].sort()).toEqual(
      [
        ...['dev', 'stage', 'prod'].flatMap((ns) => ['frontend', 'api', 'billing'].map((s) => `${ns}/${s}`)),
        'dev/gateway-api',
        'dev2/api',
      ].sort(),
    );
    expect(workloads.filter((w) => w.decoy).map((w) => `${w.namespace}/${w.name}`)).toEqual([
      'dev/gateway-api',
      'dev2/api',
    ]);
    expect(byKey.get('dev/gateway-api').spec.template.spec.containers[0].image).toBe(
      'registry.local:5000/shop/gateway-api:2.0.0-develop',
    );
  });
});
