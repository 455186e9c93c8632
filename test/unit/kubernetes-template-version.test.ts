import { templateVersion, type KubeObject } from '../../src/kubernetes/workloads';

/**
 * The version a container's change is owned by (what `undo` compares with the journal): moved by
 * any change of the pod template that is not another container's image, and by nothing else.
 */

function shop(): KubeObject & { spec: any } {
  return {
    metadata: { name: 'shop', generation: 4, resourceVersion: '812', annotations: { a: '1' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          initContainers: [{ name: 'migrate', image: 'reg/shop/api:1.6.0' }],
          containers: [
            { name: 'api', image: 'reg/shop/api:1.6.0' },
            { name: 'billing', image: 'reg/shop/billing:1.4.0' },
          ],
        },
      },
    },
    status: { observedGeneration: 4, replicas: 2 },
  };
}

const API = { init: false, index: 0 };
const MIGRATE = { init: true, index: 0 };

describe('templateVersion', () => {
  const base = templateVersion(shop(), API);

  it('is moved by neither a scale, nor a status or metadata write', () => {
    const o = shop();
    o.spec.replicas = 5;
    o.status = { observedGeneration: 5, replicas: 5 };
    o.metadata = { ...o.metadata, generation: 5, resourceVersion: '900', annotations: { b: '2' } };
    expect(templateVersion(o, API)).toBe(base);
  });

  it("is moved by neither another container's image nor an init container's", () => {
    const o = shop();
    o.spec.template.spec.containers[1].image = 'reg/shop/billing:1.5.0';
    o.spec.template.spec.initContainers[0].image = 'reg/shop/api:1.7.0';
    expect(templateVersion(o, API)).toBe(base);
  });

  it.each<[string, (o: any) => void]>([
    ['its own image', (o) => (o.spec.template.spec.containers[0].image = 'reg/shop/api:1.6.1-hotfix')],
    [
      'the env of another container',
      (o) => (o.spec.template.spec.containers[1].env = [{ name: 'X', value: '1' }]),
    ],
    [
      'a restart (kubectl rollout restart)',
      (o) => (o.spec.template.metadata = { annotations: { restartedAt: 'now' } }),
    ],
    [
      'a container added',
      (o) => o.spec.template.spec.containers.push({ name: 'log', image: 'fluent-bit:3' }),
    ],
  ])('is moved by %s', (_, change) => {
    const o = shop();
    change(o);
    expect(templateVersion(o, API)).not.toBe(base);
  });

  it('is kept per container: an init container sees the images of the others left out too', () => {
    const o = shop();
    o.spec.template.spec.containers[0].image = 'reg/shop/api:1.7.0';
    expect(templateVersion(o, MIGRATE)).toBe(templateVersion(shop(), MIGRATE));
    o.spec.template.spec.initContainers[0].image = 'reg/shop/api:1.7.0';
    expect(templateVersion(o, MIGRATE)).not.toBe(templateVersion(shop(), MIGRATE));
  });
});
