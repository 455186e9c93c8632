import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dayIn } from '../../src/plan/days';
import {
  deploymentManifest,
  type JsonObject,
  type KubernetesEmulator,
  type RecordedRequest,
} from '../../src/sandbox/kubernetes';
import { storyDeployment, storyWorkload } from '../../src/sandbox/kubernetes/story';
import { startKubernetesStoryWorld, type KubernetesStoryWorld } from '../../src/sandbox/kubernetes-world';
import { STORY_REPOSITORIES, storyApps } from '../../src/sandbox/story';
import { spawnCollect, type Spawned } from '../support/spawn';

/**
 * The world of the end-to-end Kubernetes tests: the demo's story on the embedded registry and the
 * Kubernetes emulator (namespace dev running today's bad release, decoys dev/gateway-api and
 * dev2/api), rollback.json written by the real `get`, and the bundled helper run as a child with a
 * kubeconfig the emulator wrote.
 */

export const ROOT = path.join(__dirname, '..', '..');
export const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');
const DAY_MS = 86_400_000;
const tagOf = (image: unknown) => String(image).slice(String(image).lastIndexOf(':') + 1);
const list = (cs: Array<[string, string]>) => cs.map(([n, image]) => ({ name: n, image }));

export interface KubeWorld extends KubernetesStoryWorld {
  now: Date;
  yesterday: string;
  threeDaysAgo: string;
  /** A new dump folder holding rollback.json (develop images of the story's three services). */
  dump(): string;
  /** The bundled helper, with KUBECONFIG set to the world's kubeconfig (or `env`'s). */
  helper(args: string[], env?: Record<string, string>): Promise<Spawned>;
  /** `name/container` → tag, for the Deployments (or StatefulSets) of a namespace. */
  tags(namespace: string, resource?: 'deployments' | 'statefulsets'): Record<string, string>;
  /** dev's frontend, api and billing (today's release) as Deployments of another namespace. */
  seedStory(namespace: string): void;
  /** A Deployment of any containers, seeded as rolled out long ago. */
  addDeployment(
    namespace: string,
    name: string,
    containers: Array<[string, string]>,
    more?: { initContainers?: Array<[string, string]>; labels?: Record<string, string> },
  ): void;
  /** `repo:tag` on this world's registry. */
  image(repoAndTag: string): string;
}

export async function startKubeWorld(options: { rolloutMs?: number } = {}): Promise<KubeWorld> {
  const now = new Date();
  const world = await startKubernetesStoryWorld({ now, rolloutMs: options.rolloutMs ?? 300 });
  const catalogDir = mkdtempSync(path.join(os.tmpdir(), 'rollback-k8s-catalog-'));
  const helper = (args: string[], env: Record<string, string> = {}) =>
    spawnCollect(process.execPath, [BUNDLE, ...args], {
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: world.kubeconfig, ...env },
    });
  try {
    const get = await helper([
      'get',
      '--registry',
      world.registryUrl,
      '--repo',
      STORY_REPOSITORIES.join(','),
      '--env',
      'develop',
      '--dump',
      catalogDir,
      '--no-cache',
    ]);
    if (get.code !== 0) throw new Error(`rollback get failed (${get.code}): ${get.stderr}`);
  } catch (err) {
    await world.stop();
    throw err;
  }
  const em = world.kubernetes;
  return {
    ...world,
    now,
    yesterday: dayIn(now.getTime() - DAY_MS, 'UTC'),
    threeDaysAgo: dayIn(now.getTime() - 3 * DAY_MS, 'UTC'),
    dump: () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-k8s-'));
      copyFileSync(path.join(catalogDir, 'rollback.json'), path.join(dir, 'rollback.json'));
      return dir;
    },
    helper,
    tags: (namespace, resource = 'deployments') => {
      const out: Record<string, string> = {};
      for (const o of em.list(resource, namespace) as any[]) {
        const spec = o.spec.template.spec;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers])
          out[`${o.metadata.name}/${c.name}`] = tagOf(c.image);
      }
      return out;
    },
    seedStory: (namespace) => {
      for (const app of storyApps(now).filter((a) => a.id.startsWith('/ds/dev/') && !a.decoy))
        em.addDeployment(storyDeployment({ ...storyWorkload(app, world.registryHost), namespace }));
    },
    addDeployment: (namespace, name, containers, more = {}) => {
      em.addDeployment(
        deploymentManifest({
          name,
          namespace,
          containers: list(containers),
          ...(more.initContainers ? { initContainers: list(more.initContainers) } : {}),
          ...(more.labels ? { labels: more.labels } : {}),
        }),
      );
    },
    image: (repoAndTag) => `${world.registryHost}/${repoAndTag}`,
  };
}

/** A helper run as an assertion shows it: its exit code, and its stderr when it failed. */
export const outcome = (res: Spawned) => ({ code: res.code, stderr: res.code === 0 ? '' : res.stderr });

/** The requests that changed something (PATCH), optionally of one namespace. */
export function patches(em: KubernetesEmulator, namespace?: string): RecordedRequest[] {
  return em.requests.filter(
    (r) => r.method === 'PATCH' && (!namespace || r.path.includes(`/namespaces/${namespace}/`)),
  );
}

/**
 * Runs `act` once, when the emulator records the first request `match` accepts. The emulator
 * records a request after computing its answer and before sending it, so a change made here
 * lands after that request was answered and before the client's next one: a colleague's
 * `kubectl set image` between the helper's read and its patch, without timing.
 */
export function whenRequested(
  em: KubernetesEmulator,
  match: (r: RecordedRequest) => boolean,
  act: () => void,
): void {
  const push = em.requests.push.bind(em.requests);
  let done = false;
  em.requests.push = (...items: RecordedRequest[]) => {
    const n = push(...items);
    if (!done && items.some(match)) {
      done = true;
      act();
    }
    return n;
  };
}

/** Every file under `dir` (recursively), as text, for secret scans. */
export function filesUnder(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [{ file, text: readFileSync(file, 'utf8') }];
  });
}

/** The object as the emulator stores it, for short assertions. */
export function stored(em: KubernetesEmulator, namespace: string, name: string, kind = 'deployments'): any {
  return em.get(kind as 'deployments', namespace, name) as JsonObject;
}
