import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  deploymentManifest,
  startKubernetesEmulator,
  statefulSetManifest,
  type JsonObject,
  type KubernetesEmulator,
  type RecordedRequest,
} from '../../src/sandbox/kubernetes';
import { at, kubectl, until, type Kubectl } from './kubernetes-emulator-support';

/**
 * The emulator held to a client nobody here wrote: the real kubectl (1.32), as the rollback tool's
 * users will point it at a cluster. Every command runs against the same emulator with a fresh
 * discovery cache for this file.
 */

const NS = 'shop';
let em: KubernetesEmulator | undefined;
let k: Kubectl | undefined;
let config: string;
let dir: string;

function emulator(): KubernetesEmulator {
  if (!em) throw new Error('the emulator did not start');
  return em;
}

async function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return k!.run(config, ...args);
}

async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r.stdout;
}

const deployment = (name: string): JsonObject => emulator().get('deployments', NS, name)!;
const image = (o: JsonObject, list = 'containers', i = 0): string =>
  at(o, 'spec', 'template', 'spec', list, i, 'image');
const revisions = (name: string): string[] =>
  emulator()
    .list('replicasets', NS)
    .filter((rs) => at(rs, 'metadata', 'ownerReferences', 0, 'name') === name)
    .map((rs) => at(rs, 'metadata', 'annotations', 'deployment.kubernetes.io/revision') as string)
    .sort();

function lastPatch(): RecordedRequest {
  const patches = emulator().requests.filter((r) => r.method === 'PATCH');
  return patches[patches.length - 1]!;
}

function addWeb(name: string): void {
  emulator().addDeployment(
    deploymentManifest({
      name,
      namespace: NS,
      containers: [
        { name: 'app', image: `registry.example/shop/${name}:1.0` },
        { name: 'log', image: 'registry.example/infra/log:3' },
      ],
      initContainers: [{ name: 'migrate', image: `registry.example/shop/${name}:1.0` }],
    }),
  );
}

beforeAll(async () => {
  k = kubectl();
  em = await startKubernetesEmulator({ rolloutMs: 400 });
  config = em.kubeconfig({ namespace: NS });
  dir = mkdtempSync(path.join(os.tmpdir(), 'kemu-kubectl-'));
});

afterAll(async () => {
  await em?.close();
  k?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reading', () => {
  it('kubectl get deploy -o json lists the Deployments with their containers', async () => {
    addWeb('catalog');
    const list = JSON.parse(await ok('get', 'deploy', '-o', 'json')) as { kind: string; items: JsonObject[] };
    expect(list.kind).toBe('List');
    const catalog = list.items.find((i) => at(i, 'metadata', 'name') === 'catalog')!;
    expect(catalog).toEqual(expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment' }));
    expect([image(catalog), image(catalog, 'containers', 1), image(catalog, 'initContainers')]).toEqual([
      'registry.example/shop/catalog:1.0',
      'registry.example/infra/log:3',
      'registry.example/shop/catalog:1.0',
    ]);
  });

  it('kubectl get knows the short names deploy, sts and rs from discovery', async () => {
    emulator().addStatefulSet(
      statefulSetManifest({ name: 'ledger', namespace: NS, containers: [{ name: 'db', image: 'db:14' }] }),
    );
    expect(await ok('get', 'deploy,sts,rs', '-o', 'name')).toEqual(
      expect.stringContaining('statefulset.apps/ledger\n'),
    );
    expect(await ok('get', 'sts', 'ledger', '-o', 'jsonpath={.status.currentRevision}')).toMatch(
      /^ledger-\w+$/,
    );
  });
});

describe('changing images', () => {
  it('kubectl set image patches containers and init containers by name; kubectl rollout status sees the rollout through', async () => {
    addWeb('web');
    expect(
      await ok(
        'set',
        'image',
        'deploy/web',
        'app=registry.example/shop/web:2.0',
        'migrate=registry.example/shop/web:2.0',
      ),
    ).toBe('deployment.apps/web image updated\n');
    const patch = lastPatch();
    expect(patch.contentType).toBe('application/strategic-merge-patch+json');
    expect(JSON.parse(patch.body)).toEqual({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'log' }],
            '$setElementOrder/initContainers': [{ name: 'migrate' }],
            containers: [{ image: 'registry.example/shop/web:2.0', name: 'app' }],
            initContainers: [{ image: 'registry.example/shop/web:2.0', name: 'migrate' }],
          },
        },
      },
    });
    expect(await ok('rollout', 'status', 'deploy/web', '--timeout=60s')).toMatch(
      /deployment "web" successfully rolled out\n$/,
    );
    const web = deployment('web');
    expect([image(web), image(web, 'containers', 1), image(web, 'initContainers')]).toEqual([
      'registry.example/shop/web:2.0',
      'registry.example/infra/log:3',
      'registry.example/shop/web:2.0',
    ]);
    expect([
      at(web, 'metadata', 'generation'),
      at(web, 'status', 'observedGeneration'),
      revisions('web'),
    ]).toEqual([2, 2, ['1', '2']]);
  });

  it('kubectl rollout status waits while a rollout is unfinished (paused here), and exits 0 once it is done', async () => {
    addWeb('paused');
    await ok('rollout', 'pause', 'deploy/paused');
    await ok('set', 'image', 'deploy/paused', 'app=registry.example/shop/paused:2.0');
    let seen = '';
    const status = k!.watch(
      config,
      ['rollout', 'status', 'deploy/paused', '--timeout=60s'],
      (text) => (seen += text),
    );
    await until(
      () => seen,
      (text) =>
        text.includes(
          'Waiting for deployment "paused" rollout to finish: 0 out of 2 new replicas have been updated...',
        ),
    );
    await ok('rollout', 'resume', 'deploy/paused');
    const r = await status;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.endsWith('deployment "paused" successfully rolled out\n')).toBe(true);
    expect(revisions('paused')).toEqual(['1', '2']);
  });

  it('kubectl rollout status exits 1 when the rollout exceeds its progress deadline', async () => {
    addWeb('stuck');
    emulator().hangNextRollout(NS, 'stuck', { progressDeadlineMs: 1500 });
    await ok('set', 'image', 'deploy/stuck', 'app=registry.example/shop/stuck:2.0');
    const r = await run('rollout', 'status', 'deploy/stuck', '--timeout=60s');
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'error: deployment "stuck" exceeded its progress deadline\n',
    });
  });

  it('kubectl rollout status returns at once for a finished rollout without watching (--watch=false)', async () => {
    addWeb('settled');
    expect(await ok('rollout', 'status', 'deploy/settled', '--watch=false')).toBe(
      'deployment "settled" successfully rolled out\n',
    );
  });
});

describe('history and undo', () => {
  it('kubectl rollout history lists the revisions with their change-cause', async () => {
    addWeb('hist');
    emulator().patch('deployments', NS, 'hist', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'rollback to 2026-11-30 by ana' } },
      spec: {
        template: { spec: { containers: [{ name: 'app', image: 'registry.example/shop/hist:0.9' }] } },
      },
    });
    await until(
      () => revisions('hist'),
      (r) => r.length === 2,
    );
    expect(await ok('rollout', 'history', 'deploy/hist')).toBe(
      'deployment.apps/hist \nREVISION  CHANGE-CAUSE\n1         <none>\n2         rollback to 2026-11-30 by ana\n\n',
    );
  });

  it('kubectl rollout undo reuses the old ReplicaSet and renumbers it', async () => {
    addWeb('undo');
    const original = emulator()
      .list('replicasets', NS)
      .find((rs) => at(rs, 'metadata', 'ownerReferences', 0, 'name') === 'undo')!;
    await ok('set', 'image', 'deploy/undo', 'app=registry.example/shop/undo:2.0');
    await ok('rollout', 'status', 'deploy/undo', '--timeout=60s');
    expect(await ok('rollout', 'undo', 'deploy/undo')).toBe('deployment.apps/undo rolled back\n');
    await ok('rollout', 'status', 'deploy/undo', '--timeout=60s');
    expect(image(deployment('undo'))).toBe('registry.example/shop/undo:1.0');
    expect(revisions('undo')).toEqual(['2', '3']);
    const reused = emulator().get('replicasets', NS, at(original, 'metadata', 'name'))!;
    expect(at(reused, 'metadata', 'annotations')).toEqual(
      expect.objectContaining({
        'deployment.kubernetes.io/revision': '3',
        'deployment.kubernetes.io/revision-history': '1',
      }),
    );
    expect(await ok('rollout', 'history', 'deploy/undo')).toBe(
      'deployment.apps/undo \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );
  });

  it('kubectl rollout undo of a StatefulSet sends its ControllerRevision back and the revision is renumbered', async () => {
    emulator().addStatefulSet(
      statefulSetManifest({ name: 'db', namespace: NS, containers: [{ name: 'db', image: 'db:14' }] }),
    );
    await ok('set', 'image', 'sts/db', 'db=db:15');
    expect(await ok('rollout', 'status', 'sts/db', '--timeout=60s')).toMatch(
      /partitioned roll out complete: 2 new pods have been updated...\n$/,
    );
    expect(await ok('rollout', 'undo', 'sts/db')).toBe('statefulset.apps/db rolled back\n');
    const patch = lastPatch();
    expect(JSON.parse(patch.body)).toEqual({
      spec: { template: expect.objectContaining({ $patch: 'replace' }) },
    });
    await ok('rollout', 'status', 'sts/db', '--timeout=60s');
    expect(image(emulator().get('statefulsets', NS, 'db')!)).toBe('db:14');
    expect(await ok('rollout', 'history', 'sts/db')).toBe(
      'statefulset.apps/db \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );
  });
});

describe('kubectl patch', () => {
  it('applies --type=strategic, --type=merge and --type=json', async () => {
    addWeb('patched');
    await ok(
      'patch',
      'deploy',
      'patched',
      '--type=strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"registry.example/infra/log:4"}]}}}}',
    );
    expect([image(deployment('patched')), image(deployment('patched'), 'containers', 1)]).toEqual([
      'registry.example/shop/patched:1.0',
      'registry.example/infra/log:4',
    ]);
    await ok('patch', 'deploy', 'patched', '--type=merge', '-p', '{"metadata":{"labels":{"team":"shop"}}}');
    expect(at(deployment('patched'), 'metadata', 'labels', 'team')).toBe('shop');
    await ok(
      'patch',
      'deploy',
      'patched',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/template/spec/containers/0/image","value":"registry.example/shop/patched:1.0"},{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example/shop/patched:2.0"}]',
    );
    expect(image(deployment('patched'))).toBe('registry.example/shop/patched:2.0');
  });

  it('prints "The request is invalid" and exits 1 when a JSON patch test fails', async () => {
    addWeb('guarded');
    const r = await run(
      'patch',
      'deploy',
      'guarded',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/template/spec/containers/0/image","value":"registry.example/shop/guarded:0.1"},{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"x"}]',
    );
    // As observed: kubectl 1.32 adds the server's message to the reason; Debian's 1.20 prints the reason only.
    const expected =
      k!.minor >= 32
        ? /^The request is invalid: the server rejected our request due to an error in our request\n$/
        : /^The request is invalid(: .*)?\n$/;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect(image(deployment('guarded'))).toBe('registry.example/shop/guarded:1.0');
  });

  it('creates from a file with kubectl apply -f, validated against the served OpenAPI v3 (kubectl >= 1.27)', async () => {
    const file = path.join(dir, 'fresh.json');
    writeFileSync(
      file,
      JSON.stringify(
        deploymentManifest({
          name: 'fresh',
          namespace: NS,
          containers: [{ name: 'app', image: 'registry.example/shop/fresh:1.0' }],
        }),
      ),
    );
    // Older clients validate against OpenAPI v2, which is protobuf and not served here.
    const validation = k!.minor >= 27 ? [] : ['--validate=false'];
    expect(await ok('apply', '-f', file, ...validation)).toBe('deployment.apps/fresh created\n');
    expect(await ok('rollout', 'status', 'deploy/fresh', '--timeout=60s')).toMatch(
      /deployment "fresh" successfully rolled out\n$/,
    );
  });
});

describe('credentials', () => {
  it('refuses a wrong token: kubectl says Unauthorized and exits 1', async () => {
    const r = await k!.run(emulator().kubeconfig({ credentials: 'wrong-token' }), 'get', 'deploy');
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'error: You must be logged in to the server (Unauthorized)\n',
    });
  });

  it('takes a client-certificate kubeconfig', async () => {
    addWeb('mtls');
    const r = await k!.run(
      emulator().kubeconfig({ credentials: 'client-certificate', user: 'jenkins', namespace: NS }),
      'get',
      'deploy',
      'mtls',
      '-o',
      'name',
    );
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'deployment.apps/mtls\n' });
    expect(emulator().requests.at(-1)?.user).toBe('jenkins');
  });
});
