import { imagePatch } from '../../src/kubernetes/patch';
import type { ContainerRef } from '../../src/kubernetes/workloads';
import { applyJsonPatch } from '../../src/sandbox/kubernetes/json-patch';
import type { JsonObject } from '../../src/sandbox/kubernetes/json';
import { PatchNotAppliedError } from '../../src/sandbox/kubernetes/patch-errors';

/**
 * The JSON patch a rollback sends: written out operation by operation, then applied by the
 * emulator's RFC 6902 engine (held to kubectl by its own tests), which shows what a server makes
 * of it: only images change, and a concurrent change makes the whole patch fail.
 */

const ref = (container: string, index: number, init = false): ContainerRef => ({
  kind: 'deployment',
  name: 'shop',
  container,
  index,
  init,
});

const CAUSE = 'rollback to 2026-11-27 approved by alice';

function shop(annotations?: Record<string, string>): JsonObject {
  return {
    metadata: { name: 'shop', ...(annotations ? { annotations } : {}) },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: {
          initContainers: [{ name: 'migrate', image: 'reg/shop/api:1.7.0' }],
          containers: [
            { name: 'api', image: 'reg/shop/api:1.7.0', env: [{ name: 'MODE', value: 'live' }] },
            { name: 'proxy', image: 'envoyproxy/envoy:v1.30.1' },
            { name: 'billing', image: 'reg/shop/billing:1.5.0' },
          ],
        },
      },
    },
  };
}

describe('the image patch', () => {
  it('tests each container by name and current image, then replaces only its image', () => {
    const ops = imagePatch(
      [
        { ref: ref('api', 0), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' },
        { ref: ref('migrate', 0, true), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' },
      ],
      CAUSE,
      true,
    );
    expect(ops).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'api' },
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'reg/shop/api:1.7.0' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'reg/shop/api:1.6.0' },
      { op: 'test', path: '/spec/template/spec/initContainers/0/name', value: 'migrate' },
      { op: 'test', path: '/spec/template/spec/initContainers/0/image', value: 'reg/shop/api:1.7.0' },
      { op: 'replace', path: '/spec/template/spec/initContainers/0/image', value: 'reg/shop/api:1.6.0' },
      // The annotation's `/` escaped as `~1` (RFC 6901), so it is one key, not a path.
      { op: 'add', path: '/metadata/annotations/kubernetes.io~1change-cause', value: CAUSE },
    ]);
  });

  it('changes nothing but those images and the change-cause annotation', () => {
    const before = shop({ 'deployment.kubernetes.io/revision': '4' });
    const after = applyJsonPatch(
      before,
      imagePatch(
        [
          { ref: ref('api', 0), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' },
          { ref: ref('billing', 2), from: 'reg/shop/billing:1.5.0', to: 'reg/shop/billing:1.4.0' },
        ],
        CAUSE,
        true,
      ),
    );
    const expected = shop({ 'deployment.kubernetes.io/revision': '4', 'kubernetes.io/change-cause': CAUSE });
    const containers = (expected as any).spec.template.spec.containers;
    containers[0].image = 'reg/shop/api:1.6.0';
    containers[2].image = 'reg/shop/billing:1.4.0';
    expect(after).toEqual(expected);
  });

  it('creates the annotations map when the object has none (a StatefulSet may not)', () => {
    const ops = imagePatch(
      [{ ref: ref('api', 0), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' }],
      CAUSE,
      false,
    );
    expect(ops.at(-1)).toEqual({
      op: 'add',
      path: '/metadata/annotations',
      value: { 'kubernetes.io/change-cause': CAUSE },
    });
    expect((applyJsonPatch(shop(), ops) as any).metadata.annotations).toEqual({
      'kubernetes.io/change-cause': CAUSE,
    });
  });

  it('replaces an earlier change-cause rather than keeping two', () => {
    const ops = imagePatch(
      [{ ref: ref('api', 0), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' }],
      CAUSE,
      true,
    );
    const after = applyJsonPatch(shop({ 'kubernetes.io/change-cause': 'kubectl set image …' }), ops);
    expect((after as any).metadata.annotations).toEqual({ 'kubernetes.io/change-cause': CAUSE });
  });

  it.each([
    ['its image was changed since it was read', { image: 'reg/shop/api:1.7.1-hotfix' }],
    ['another container now sits at its index', { name: 'sidecar' }],
  ])('fails as a whole when %s', (_, change) => {
    const moved = shop({ 'deployment.kubernetes.io/revision': '4' });
    Object.assign((moved as any).spec.template.spec.containers[0], change);
    const ops = imagePatch(
      [
        { ref: ref('api', 0), from: 'reg/shop/api:1.7.0', to: 'reg/shop/api:1.6.0' },
        { ref: ref('billing', 2), from: 'reg/shop/billing:1.5.0', to: 'reg/shop/billing:1.4.0' },
      ],
      CAUSE,
      true,
    );
    expect(() => applyJsonPatch(moved, ops)).toThrow(PatchNotAppliedError);
    // The same patch on the object as it was read goes through.
    expect(() => applyJsonPatch(shop({ 'deployment.kubernetes.io/revision': '4' }), ops)).not.toThrow();
  });

  it('tests only the name of a container that had no image', () => {
    const ops = imagePatch([{ ref: ref('api', 0), to: 'reg/shop/api:1.6.0' }], CAUSE, true);
    expect(ops.slice(0, 2)).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'api' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'reg/shop/api:1.6.0' },
    ]);
  });
});
