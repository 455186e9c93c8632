import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import {
  deploymentManifest,
  seedKubernetesStory,
  startKubernetesEmulator,
  type JsonObject,
  type KubernetesEmulator,
} from '../../src/sandbox/kubernetes';
import { at, call } from './kubernetes-emulator-support';

/**
 * The emulator over HTTPS, against ../shared/reference/kubernetes.md: authentication, discovery,
 * reads, writes with their generation/resourceVersion semantics and error bodies, watches.
 */

const DEPLOYMENTS = '/apis/apps/v1/namespaces/shop/deployments';

let em: KubernetesEmulator;

function seedWeb(extra: Partial<Parameters<typeof deploymentManifest>[0]> = {}): JsonObject {
  return em.addDeployment(
    deploymentManifest({
      name: 'web',
      namespace: 'shop',
      containers: [
        { name: 'app', image: 'registry.example/shop/web:1.0' },
        { name: 'log', image: 'registry.example/infra/log:3' },
      ],
      initContainers: [{ name: 'migrate', image: 'registry.example/shop/web:1.0' }],
      ...extra,
    }),
  );
}

beforeEach(async () => {
  em = await startKubernetesEmulator({
    rolloutMs: 200,
    tokens: { admin: 'admin-token-1', viewer: 'viewer-token-2' },
  });
});

afterEach(async () => {
  await em?.close();
});

describe('TLS and authentication', () => {
  it('speaks HTTPS with a certificate for 127.0.0.1 from its own CA', async () => {
    expect(em.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await call(em, 'GET', '/version');
    expect(res.status).toBe(200);
    const withoutItsCa = new Promise((resolve, reject) =>
      https.get(`${em.url}/version`, resolve).on('error', reject),
    );
    await expect(withoutItsCa).rejects.toThrow(/self-signed certificate/);
  });

  it('answers 401 Unauthorized without credentials and with an unknown token', async () => {
    const expected = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    };
    for (const token of [null, 'not-a-token']) {
      const res = await call(em, 'GET', DEPLOYMENTS, { token });
      expect({ status: res.status, body: res.json() }).toEqual({ status: 401, body: expected });
    }
  });

  it('takes a bearer token for its user', async () => {
    await call(em, 'GET', DEPLOYMENTS, { token: 'viewer-token-2' });
    expect(em.requests.at(-1)).toEqual(expect.objectContaining({ user: 'viewer', status: 200 }));
  });

  it('takes a client certificate of its CA as the CN user, and refuses one of another CA', async () => {
    const res = await call(em, 'GET', DEPLOYMENTS, {
      token: null,
      certificate: em.clientCertificate('alice', ['devs']),
    });
    expect(res.status).toBe(200);
    expect(em.requests.at(-1)?.user).toBe('alice');
    const other = await startKubernetesEmulator();
    try {
      const foreign = other.clientCertificate('mallory', ['system:masters']);
      expect((await call(em, 'GET', DEPLOYMENTS, { token: null, certificate: foreign })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('writes kubeconfigs readable by their owner only, with the CA, the server, a context and its namespace', () => {
    const file = em.kubeconfig({ namespace: 'shop' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
    expect(config).toEqual(
      expect.objectContaining({ apiVersion: 'v1', kind: 'Config', 'current-context': 'emulator' }),
    );
    expect(at(config, 'clusters', 0, 'cluster')).toEqual({
      server: em.url,
      'certificate-authority-data': Buffer.from(em.caCert).toString('base64'),
    });
    expect(at(config, 'contexts', 0, 'context')).toEqual({
      cluster: 'emulator',
      user: 'admin',
      namespace: 'shop',
    });
    expect(at(config, 'users', 0, 'user')).toEqual({ token: 'admin-token-1' });
  });

  it('writes a client-certificate kubeconfig and a wrong-token one', () => {
    const certificate = JSON.parse(
      readFileSync(em.kubeconfig({ credentials: 'client-certificate' }), 'utf8'),
    );
    const user = at(certificate, 'users', 0, 'user');
    expect(Object.keys(user).sort()).toEqual(['client-certificate-data', 'client-key-data']);
    expect(Buffer.from(user['client-key-data'], 'base64').toString()).toContain('BEGIN PRIVATE KEY');
    const wrong = JSON.parse(readFileSync(em.kubeconfig({ credentials: 'wrong-token' }), 'utf8'));
    expect(at(wrong, 'users', 0, 'user', 'token')).toEqual(expect.any(String));
    expect(at(wrong, 'users', 0, 'user', 'token')).not.toBe('admin-token-1');
  });

  it('logs requests without the token or any key', async () => {
    const certificate = em.clientCertificate('alice');
    await call(em, 'GET', DEPLOYMENTS);
    await call(em, 'GET', DEPLOYMENTS, { token: null, certificate });
    const log = JSON.stringify(em.requests);
    expect(log).not.toContain('admin-token-1');
    expect(log).not.toContain('PRIVATE KEY');
    expect(log).not.toMatch(/authorization/i);
  });
});

describe('discovery', () => {
  it('serves /version, /api and /apis as kubectl reads them', async () => {
    expect((await call(em, 'GET', '/version')).json()).toEqual(
      expect.objectContaining({ major: '1', minor: '32' }),
    );
    expect((await call(em, 'GET', '/api')).json()).toEqual(
      expect.objectContaining({ kind: 'APIVersions', versions: ['v1'] }),
    );
    expect(at((await call(em, 'GET', '/apis')).json(), 'groups', 0)).toEqual({
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
  });

  it('lists apps/v1 resources with their short names and the status and scale subresources', async () => {
    const resources = (await call(em, 'GET', '/apis/apps/v1')).json<{ resources: JsonObject[] }>().resources;
    const byName = new Map(resources.map((r) => [r['name'], r]));
    expect(byName.get('deployments')).toEqual(
      expect.objectContaining({ kind: 'Deployment', shortNames: ['deploy'], namespaced: true }),
    );
    expect(byName.get('statefulsets')).toEqual(expect.objectContaining({ shortNames: ['sts'] }));
    expect(byName.get('replicasets')).toEqual(expect.objectContaining({ shortNames: ['rs'] }));
    expect(byName.get('controllerrevisions')).toEqual(
      expect.objectContaining({ kind: 'ControllerRevision' }),
    );
    expect(byName.get('deployments/scale')).toEqual(
      expect.objectContaining({ group: 'autoscaling', kind: 'Scale' }),
    );
    expect(byName.get('statefulsets/status')).toEqual(
      expect.objectContaining({ verbs: ['get', 'patch', 'update'] }),
    );
  });
});

describe('reads', () => {
  it('GETs one object with kind and apiVersion, and 404s a missing one with the NotFound Status', async () => {
    seedWeb();
    expect((await call(em, 'GET', `${DEPLOYMENTS}/web`)).json()).toEqual(
      expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment' }),
    );
    const res = await call(em, 'GET', `${DEPLOYMENTS}/nope`);
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'deployments.apps "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'apps', kind: 'deployments' },
        code: 404,
      },
    });
  });

  it('answers JSON when the client prefers protobuf or a Table', async () => {
    seedWeb();
    for (const accept of [
      'application/vnd.kubernetes.protobuf,application/json',
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    ]) {
      const res = await call(em, 'GET', DEPLOYMENTS, { accept });
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json()).toEqual(expect.objectContaining({ kind: 'DeploymentList' }));
    }
  });

  it('lists in name order, items without kind, with the revision to watch from', async () => {
    for (const name of ['b', 'a', 'c'])
      em.addDeployment(
        deploymentManifest({ name, namespace: 'shop', containers: [{ name: 'x', image: 'x:1' }] }),
      );
    em.addDeployment(
      deploymentManifest({
        name: 'elsewhere',
        namespace: 'other',
        containers: [{ name: 'x', image: 'x:1' }],
      }),
    );
    const list = (await call(em, 'GET', DEPLOYMENTS)).json<{ items: JsonObject[]; metadata: JsonObject }>();
    expect(list.items.map((i) => at(i, 'metadata', 'name'))).toEqual(['a', 'b', 'c']);
    expect(list.items[0]).not.toHaveProperty('kind');
    expect(Number(list.metadata['resourceVersion'])).toBeGreaterThanOrEqual(
      Number(at(list.items[2], 'metadata', 'resourceVersion')),
    );
    const all = (await call(em, 'GET', '/apis/apps/v1/deployments')).json<{ items: JsonObject[] }>();
    expect(all.items.map((i) => `${at(i, 'metadata', 'namespace')}/${at(i, 'metadata', 'name')}`)).toEqual([
      'other/elsewhere',
      'shop/a',
      'shop/b',
      'shop/c',
    ]);
  });

  it('selects by label (=, !=, in, notin, exists) and by metadata.name, and refuses an unknown field', async () => {
    const add = (name: string, labels: Record<string, string>): void => {
      em.addDeployment(
        deploymentManifest({ name, namespace: 'shop', labels, containers: [{ name: 'x', image: 'x:1' }] }),
      );
    };
    add('a', { tier: 'front' });
    add('b', { tier: 'back' });
    add('c', {});
    const names = async (query: string): Promise<string[]> =>
      (await call(em, 'GET', `${DEPLOYMENTS}?${query}`))
        .json<{ items: JsonObject[] }>()
        .items.map((i) => at(i, 'metadata', 'name'));
    expect(await names('labelSelector=tier%3Dfront')).toEqual(['a']);
    expect(await names('labelSelector=tier!%3Dfront')).toEqual(['b', 'c']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (front,back)')}`)).toEqual(['a', 'b']);
    expect(await names(`labelSelector=${encodeURIComponent('tier notin (front)')}`)).toEqual(['b', 'c']);
    expect(await names('labelSelector=tier')).toEqual(['a', 'b']);
    expect(await names('labelSelector=!tier')).toEqual(['c']);
    expect(await names('fieldSelector=metadata.name%3Db')).toEqual(['b']);
    const bad = await call(em, 'GET', `${DEPLOYMENTS}?fieldSelector=spec.replicas%3D1`);
    expect({ status: bad.status, reason: bad.json()['reason'] }).toEqual({
      status: 400,
      reason: 'BadRequest',
    });
  });

  it('pages with limit and continue until the last page, which has no continue', async () => {
    for (let i = 0; i < 5; i++)
      em.addDeployment(
        deploymentManifest({ name: `d${i}`, namespace: 'shop', containers: [{ name: 'x', image: 'x:1' }] }),
      );
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = (
        await call(em, 'GET', `${DEPLOYMENTS}?limit=2${token ? `&continue=${token}` : ''}`)
      ).json<{ items: JsonObject[]; metadata: JsonObject }>();
      seen.push(...page.items.map((i) => at(i, 'metadata', 'name')));
      token = String(page.metadata['continue'] ?? '');
      if (token) expect(page.metadata['remainingItemCount']).toBe(5 - seen.length);
      pages++;
    } while (token && pages < 10);
    expect({ seen, pages }).toEqual({ seen: ['d0', 'd1', 'd2', 'd3', 'd4'], pages: 3 });
  });

  it('seeds the demo story: frontend, api and billing (and a decoy) in namespace dev, rolled out', async () => {
    seedKubernetesStory(em, 'registry.local:5000', new Date());
    const dev = (await call(em, 'GET', '/apis/apps/v1/namespaces/dev/deployments')).json<{
      items: JsonObject[];
    }>();
    expect(dev.items.map((d) => at(d, 'metadata', 'name'))).toEqual([
      'api',
      'billing',
      'frontend',
      'gateway-api',
    ]);
    for (const d of dev.items) {
      expect(at(d, 'spec', 'template', 'spec', 'containers', 0, 'image')).toMatch(
        /^registry\.local:5000\/shop\/[a-z-]+:[\w.-]+$/,
      );
      expect(at(d, 'status', 'availableReplicas')).toBe(2);
    }
  });

  it('lists 500 Deployments of a namespace in one call, quickly', async () => {
    for (let i = 0; i < 500; i++) {
      em.addDeployment(
        deploymentManifest({
          name: `svc-${String(i).padStart(3, '0')}`,
          namespace: 'big',
          containers: [{ name: 'app', image: `r/shop/svc-${i}:1` }],
        }),
      );
    }
    await call(em, 'GET', '/version'); // connection and TLS set up outside the measurement
    const started = Date.now();
    const res = await call(em, 'GET', '/apis/apps/v1/namespaces/big/deployments');
    const elapsed = Date.now() - started;
    expect(res.json<{ items: unknown[] }>().items).toHaveLength(500);
    expect(em.countRequests({ method: 'GET', path: '/apis/apps/v1/namespaces/big/deployments' })).toBe(1);
    // ~30 ms on an idle machine; the bound only catches a list that grows worse than linearly.
    expect(elapsed).toBeLessThan(3000);
  });
});
