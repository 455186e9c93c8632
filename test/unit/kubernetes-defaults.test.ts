import {
  defaultDeploymentSpec,
  defaultStatefulSetSpec,
  templateHash,
  templateIdentity,
} from '../../src/sandbox/kubernetes/defaults';
import type { JsonObject } from '../../src/sandbox/kubernetes/json';

/** Defaulting as the API server stores workloads, and the template comparison the controllers rely on. */

const template = (container: JsonObject, metadata: JsonObject = { labels: { app: 'web' } }): JsonObject => ({
  metadata,
  spec: { containers: [container] },
});

describe('template identity', () => {
  it('treats the template kubectl rollout undo sends back as the stored one', () => {
    const stored = template(
      { name: 'app', image: 'r/web:1.0' },
      { labels: { app: 'web', 'pod-template-hash': '5d8f7c9b6' } },
    );
    const sentBack = template(
      { name: 'app', image: 'r/web:1.0', resources: {} },
      { creationTimestamp: null, labels: { app: 'web' } },
    );
    expect(templateIdentity(sentBack)).toBe(templateIdentity(stored));
  });

  it('tells templates apart by image, and ignores key order', () => {
    const a = template({ name: 'app', image: 'r/web:1.0' });
    expect(templateIdentity(template({ name: 'app', image: 'r/web:2.0' }))).not.toBe(templateIdentity(a));
    expect(templateIdentity(template({ image: 'r/web:1.0', name: 'app' }))).toBe(templateIdentity(a));
  });

  it('hashes like the controllers: stable, short, from the safe alphabet, and different after a collision', () => {
    const t = template({ name: 'app', image: 'r/web:1.0' });
    expect(templateHash(t)).toBe(templateHash(JSON.parse(JSON.stringify(t))));
    expect(templateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(templateHash(t, 1)).not.toBe(templateHash(t));
  });
});

describe('defaulting', () => {
  it('fills a Deployment as apps/v1 does', () => {
    const spec: JsonObject = {
      selector: { matchLabels: { app: 'web' } },
      template: template({ name: 'app', image: 'r/web' }),
    };
    defaultDeploymentSpec(spec);
    expect(spec).toEqual(
      expect.objectContaining({
        replicas: 1,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      }),
    );
    expect((spec as any).template.spec.containers[0]).toEqual({
      name: 'app',
      image: 'r/web',
      imagePullPolicy: 'Always', // no tag means latest
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
  });

  it('pulls a pinned tag or digest IfNotPresent', () => {
    for (const image of ['r/web:1.0', 'r:5000/web@sha256:abc', 'localhost:5000/web:2']) {
      const spec: JsonObject = { template: template({ name: 'app', image }) };
      defaultDeploymentSpec(spec);
      expect((spec as any).template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    }
  });

  it('gives a StatefulSet rollingUpdate.partition 0 only when the strategy type was left empty', () => {
    const empty: JsonObject = { template: template({ name: 'db', image: 'db:14' }) };
    defaultStatefulSetSpec(empty);
    expect(empty['updateStrategy']).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    const typed: JsonObject = {
      updateStrategy: { type: 'RollingUpdate' },
      template: template({ name: 'db', image: 'db:14' }),
    };
    defaultStatefulSetSpec(typed);
    expect(typed['updateStrategy']).toEqual({ type: 'RollingUpdate' });
  });
});
