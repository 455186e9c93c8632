import https from 'node:https';
import {
  deploymentManifest,
  startKubernetesEmulator,
  statefulSetManifest,
  type JsonObject,
  type KubernetesEmulator,
} from '../../src/sandbox/kubernetes';
import { at, call, until } from './kubernetes-emulator-support';

/**
 * Writes over HTTPS (generation and resourceVersion semantics, the error bodies of
 * ../shared/reference/kubernetes.md §3) and watches (§4, §7).
 */

const DEPLOYMENTS = '/apis/apps/v1/namespaces/shop/deployments';
const WEB = `${DEPLOYMENTS}/web`;
const DB = '/apis/apps/v1/namespaces/shop/statefulsets/db';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

let em: KubernetesEmulator;

function label(team: string): JsonObject {
  return { metadata: { labels: { team } } };
}

function imagePatch(image: string): JsonObject {
  return { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } };
}

async function read(path = WEB): Promise<JsonObject> {
  return (await call(em, 'GET', path)).json();
}

beforeEach(async () => {
  em = await startKubernetesEmulator({ rolloutMs: 200 });
  em.addDeployment(
    deploymentManifest({
      name: 'web',
      namespace: 'shop',
      containers: [
        { name: 'app', image: 'registry.example/shop/web:1.0' },
        { name: 'log', image: 'registry.example/infra/log:3' },
      ],
    }),
  );
  em.addStatefulSet(
    statefulSetManifest({ name: 'db', namespace: 'shop', containers: [{ name: 'db', image: 'db:14' }] }),
  );
});

afterEach(async () => {
  await em?.close();
});

describe('generation and resourceVersion', () => {
  it('bumps generation and resourceVersion on a spec change and replies with the old status', async () => {
    const before = await read();
    const res = await call(em, 'PATCH', WEB, {
      body: imagePatch('registry.example/shop/web:2.0'),
      contentType: SMP,
    });
    expect(res.status).toBe(200);
    const after = res.json();
    expect(at(after, 'metadata', 'generation')).toBe(2);
    expect(at(after, 'metadata', 'resourceVersion')).not.toBe(at(before, 'metadata', 'resourceVersion'));
    expect(after['status']).toEqual(before['status']);
    expect(at(after, 'status', 'observedGeneration')).toBe(1);
    expect(at(after, 'spec', 'template', 'spec', 'containers', 1, 'image')).toBe(
      'registry.example/infra/log:3',
    );
    const observed = await until(read, (d) => at(d, 'status', 'observedGeneration') === 2);
    expect(at(observed, 'metadata', 'generation')).toBe(2);
  });

  it('bumps a Deployment generation on an annotation change but not a StatefulSet one; labels bump neither', async () => {
    const annotate = {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'rollback to 2026-11-30' } },
    };
    expect(
      at(
        (await call(em, 'PATCH', WEB, { body: annotate, contentType: MERGE })).json(),
        'metadata',
        'generation',
      ),
    ).toBe(2);
    expect(
      at(
        (await call(em, 'PATCH', DB, { body: annotate, contentType: MERGE })).json(),
        'metadata',
        'generation',
      ),
    ).toBe(1);
    expect(
      at(
        (await call(em, 'PATCH', WEB, { body: label('shop'), contentType: MERGE })).json(),
        'metadata',
        'generation',
      ),
    ).toBe(2);
  });

  it('ignores status in a spec write and spec in a status write, which does not bump generation', async () => {
    const current = await read();
    const put = {
      ...current,
      status: { replicas: 99 },
      spec: { ...(current['spec'] as JsonObject), replicas: 3 },
    };
    const written = (await call(em, 'PUT', WEB, { body: put })).json();
    expect(at(written, 'status', 'replicas')).toBe(2);
    expect(at(written, 'spec', 'replicas')).toBe(3);
    const status = await call(em, 'PATCH', `${WEB}/status`, {
      body: { status: { replicas: 7 }, spec: { replicas: 9 } },
      contentType: MERGE,
    });
    expect(status.status).toBe(200);
    expect([at(status.json(), 'status', 'replicas'), at(status.json(), 'spec', 'replicas')]).toEqual([7, 3]);
    expect(at(status.json(), 'metadata', 'generation')).toBe(at(written, 'metadata', 'generation'));
  });

  it('writes nothing for a patch that changes nothing: same resourceVersion', async () => {
    const before = await read();
    const res = await call(em, 'PATCH', WEB, {
      body: imagePatch('registry.example/shop/web:1.0'),
      contentType: SMP,
    });
    expect(at(res.json(), 'metadata', 'resourceVersion')).toBe(at(before, 'metadata', 'resourceVersion'));
  });

  it('stores defaulted templates, so a template sent back with creationTimestamp: null and resources: {} is the same', async () => {
    const stored = await read();
    const container = at(stored, 'spec', 'template', 'spec', 'containers', 0);
    expect(container).toEqual(
      expect.objectContaining({
        resources: {},
        imagePullPolicy: 'IfNotPresent',
        terminationMessagePath: '/dev/termination-log',
      }),
    );
    const sentBack = [
      {
        op: 'replace',
        path: '/spec/template',
        value: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.example/shop/web:1.0',
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/health', port: 'http' } },
                resources: {},
              },
              { name: 'log', image: 'registry.example/infra/log:3' },
            ],
          },
        },
      },
    ];
    const res = await call(em, 'PATCH', WEB, { body: sentBack, contentType: JSON_PATCH });
    expect(at(res.json(), 'metadata', 'generation')).toBe(1);
  });
});

describe('refusals', () => {
  const conflict = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    reason: 'Conflict',
    details: { name: 'web', group: 'apps', kind: 'deployments' },
    code: 409,
  };

  it('answers 409 Conflict to a merge patch, a strategic merge patch and a PUT with a stale resourceVersion', async () => {
    const stale = String(at(await read(), 'metadata', 'resourceVersion'));
    await call(em, 'PATCH', WEB, { body: imagePatch('registry.example/shop/web:2.0'), contentType: SMP });
    const fresh = await read();
    const withVersion = {
      metadata: { resourceVersion: stale },
      ...imagePatch('registry.example/shop/web:3.0'),
    };
    for (const contentType of [MERGE, SMP]) {
      const res = await call(em, 'PATCH', WEB, { body: withVersion, contentType });
      expect({ contentType, status: res.status, body: res.json() }).toEqual({
        contentType,
        status: 409,
        body: conflict,
      });
    }
    const put = await call(em, 'PUT', WEB, {
      body: { ...fresh, metadata: { ...(fresh['metadata'] as JsonObject), resourceVersion: stale } },
    });
    expect({ status: put.status, body: put.json() }).toEqual({ status: 409, body: conflict });
    expect(at(await read(), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
      'registry.example/shop/web:2.0',
    );
  });

  it('takes a PUT without resourceVersion unconditionally, and one with the current resourceVersion', async () => {
    const current = await read();
    const { resourceVersion: _rv, ...metadata } = current['metadata'] as JsonObject;
    expect((await call(em, 'PUT', WEB, { body: { ...current, metadata } })).status).toBe(200);
    const now = await read();
    expect((await call(em, 'PUT', WEB, { body: now })).status).toBe(200);
  });

  it('answers 404 to a PATCH or PUT of a missing object and creates nothing', async () => {
    for (const [method, contentType] of [
      ['PATCH', SMP],
      ['PATCH', MERGE],
      ['PATCH', JSON_PATCH],
      ['PUT', 'application/json'],
    ] as const) {
      const body =
        contentType === JSON_PATCH
          ? [{ op: 'add', path: '/metadata/labels', value: {} }]
          : deploymentManifest({ name: 'ghost', namespace: 'shop', containers: [{ name: 'x', image: 'x' }] });
      const res = await call(em, method, `${DEPLOYMENTS}/ghost`, { body, contentType });
      expect({ method, contentType, status: res.status, message: res.json()['message'] }).toEqual({
        method,
        contentType,
        status: 404,
        message: 'deployments.apps "ghost" not found',
      });
    }
    expect(em.get('deployments', 'shop', 'ghost')).toBeUndefined();
  });

  it('answers 415 to a PATCH of another content type', async () => {
    for (const contentType of ['application/json', 'text/plain', 'application/apply-patch+yaml']) {
      const res = await call(em, 'PATCH', WEB, { body: imagePatch('x'), contentType });
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 415,
        body: expect.objectContaining({
          reason: 'UnsupportedMediaType',
          message:
            'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
        }),
      });
    }
  });

  it('answers 422 Invalid with the generic message when a JSON patch test fails, and changes nothing', async () => {
    const before = await read();
    const patch = [
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'registry.example/shop/web:0.9' },
      {
        op: 'replace',
        path: '/spec/template/spec/containers/0/image',
        value: 'registry.example/shop/web:2.0',
      },
    ];
    const res = await call(em, 'PATCH', WEB, { body: patch, contentType: JSON_PATCH });
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 422,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server rejected our request due to an error in our request',
        reason: 'Invalid',
        details: {},
        code: 422,
      },
    });
    expect(await read()).toEqual(before);
  });

  it('answers 400 to a patch it cannot decode', async () => {
    expect((await call(em, 'PATCH', WEB, { body: '{not json', contentType: SMP })).status).toBe(400);
    expect((await call(em, 'PATCH', WEB, { body: { op: 'add' }, contentType: JSON_PATCH })).status).toBe(400);
  });

  it('answers 422 Invalid naming the field when a write breaks the workload', async () => {
    const res = await call(em, 'PATCH', WEB, {
      body: { spec: { template: { metadata: { labels: { app: 'other' } } } } },
      contentType: SMP,
    });
    expect({
      status: res.status,
      message: res.json()['message'],
      causes: at(res.json(), 'details', 'causes'),
    }).toEqual({
      status: 422,
      message:
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
      causes: [
        expect.objectContaining({ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid' }),
      ],
    });
    const noName = await call(em, 'PATCH', WEB, {
      body: [{ op: 'remove', path: '/spec/template/spec/containers/0/name' }],
      contentType: JSON_PATCH,
    });
    expect(noName.json()['message']).toBe(
      'Deployment.apps "web" is invalid: spec.template.spec.containers[0].name: Required value',
    );
  });

  it('returns the would-be object for dryRun=All and stores nothing', async () => {
    const before = await read();
    const res = await call(em, 'PATCH', `${WEB}?dryRun=All`, {
      body: imagePatch('registry.example/shop/web:2.0'),
      contentType: SMP,
    });
    expect(at(res.json(), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(
      'registry.example/shop/web:2.0',
    );
    expect(at(res.json(), 'metadata', 'generation')).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await read()).toEqual(before);
    expect(
      em
        .list('replicasets', 'shop')
        .filter((rs) => at(rs, 'metadata', 'ownerReferences', 0, 'name') === 'web'),
    ).toHaveLength(1);
  });
});

describe('the scale subresource', () => {
  it('reads and patches replicas as autoscaling/v1 Scale', async () => {
    const scale = (await call(em, 'GET', `${WEB}/scale`)).json();
    expect(scale).toEqual(
      expect.objectContaining({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 } }),
    );
    expect(at(scale, 'status', 'selector')).toBe('app=web');
    const res = await call(em, 'PATCH', `${WEB}/scale`, {
      body: { spec: { replicas: 4 } },
      contentType: MERGE,
    });
    expect(at(res.json(), 'spec', 'replicas')).toBe(4);
    const scaled = await until(read, (d) => at(d, 'status', 'readyReplicas') === 4);
    expect(at(scaled, 'metadata', 'generation')).toBe(2);
  });
});

interface WatchEvent {
  type: string;
  object: JsonObject;
}

/** Opens a watch; resolves once the response headers arrived, before any event. */
function openWatch(
  query: string,
): Promise<{ events: WatchEvent[]; raw: () => string; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    // Headers must come at once (kubectl waits for them); fail fast instead of at the test timeout.
    const noHeaders = setTimeout(() => reject(new Error('no response headers within 10 s')), 10_000);
    const req = https.get(
      `${em.url}${DEPLOYMENTS}?watch=true&${query}`,
      { ca: em.caCert, headers: { Authorization: `Bearer ${em.token()}` }, agent: false },
      (res) => {
        clearTimeout(noHeaders);
        let raw = '';
        const events: WatchEvent[] = [];
        const ended = new Promise<void>((done) => res.on('end', done));
        res.on('data', (chunk: Buffer) => {
          raw += chunk.toString('utf8');
          const lines = raw.split('\n');
          events.length = 0;
          for (const line of lines.slice(0, -1)) events.push(JSON.parse(line) as WatchEvent);
        });
        resolve({
          events,
          raw: () => raw,
          ended,
          close: () => {
            res.destroy();
            req.destroy();
          },
        });
      },
    );
    req.on('error', reject);
  });
}

describe('watch', () => {
  it('sends the headers at once, before any event', async () => {
    const rv = String(at((await call(em, 'GET', DEPLOYMENTS)).json(), 'metadata', 'resourceVersion'));
    const watch = await openWatch(`resourceVersion=${rv}`);
    expect(watch.raw()).toBe('');
    watch.close();
  });

  it('replays the changes after the requested revision, then sends new ones, one JSON object per line', async () => {
    await until(read, (d) => at(d, 'status', 'observedGeneration') === 1);
    await call(em, 'PATCH', WEB, { body: label('before'), contentType: MERGE });
    const rv = String(at((await call(em, 'GET', DEPLOYMENTS)).json(), 'metadata', 'resourceVersion'));
    // Label changes bump no generation, so no controller writes in between: every event is ours.
    await call(em, 'PATCH', WEB, { body: label('missed'), contentType: MERGE });
    const watch = await openWatch(`resourceVersion=${rv}&fieldSelector=metadata.name%3Dweb`);
    await until(
      () => watch.events.length,
      (n) => n >= 1,
    );
    await call(em, 'PATCH', WEB, { body: label('live'), contentType: MERGE });
    await until(
      () => watch.events.length,
      (n) => n >= 2,
    );
    expect(
      watch.events.map((e) => [e.type, at(e.object, 'kind'), at(e.object, 'metadata', 'labels', 'team')]),
    ).toEqual([
      ['MODIFIED', 'Deployment', 'missed'],
      ['MODIFIED', 'Deployment', 'live'],
    ]);
    expect(watch.raw().split('\n')).toHaveLength(3); // two lines, each ended by a newline
    watch.close();
  });

  it('starts with ADDED for every current object when asked from revision 0', async () => {
    const watch = await openWatch('resourceVersion=0');
    await until(
      () => watch.events.length,
      (n) => n >= 1,
    );
    expect(watch.events.map((e) => [e.type, at(e.object, 'metadata', 'name')])).toEqual([['ADDED', 'web']]);
    watch.close();
  });

  it('ends after timeoutSeconds', async () => {
    const watch = await openWatch('resourceVersion=0&timeoutSeconds=1');
    await watch.ended;
    expect(watch.events.map((e) => e.type)).toEqual(['ADDED']);
  });
});
