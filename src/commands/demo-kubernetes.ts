import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandContext } from './context';
import { step, table } from './demo-steps';
import { RollbackFailedError } from '../errors';
import { dayIn } from '../plan/days';
import type { KubernetesEmulator } from '../sandbox/kubernetes';
import { startKubernetesStoryWorld, type KubernetesStoryWorld } from '../sandbox/kubernetes-world';
import { STORY_REPOSITORIES } from '../sandbox/story';
import { colorEnabled, paint } from '../util/log';

/**
 * `rollback demo --kubernetes`: the Marathon demo's story (frontend, api and billing; billing
 * filled from three days ago) on the Kubernetes emulator, one namespace per environment, through
 * the same CLI a user runs with a kubeconfig. It checks the outcome itself, read back from the
 * emulator (no kubectl needed), so it doubles as an acceptance test.
 */
export async function demoKubernetes(ctx: CommandContext): Promise<number> {
  const color = paint(colorEnabled(ctx.stdout as { isTTY?: boolean }));
  const say = (s = '') => ctx.stdout.write(s + '\n');
  const now = new Date();
  const world = await startKubernetesStoryWorld({ now, rolloutMs: 2500 });
  const dump = mkdtempSync(path.join(os.tmpdir(), 'rollback-demo-'));
  // Every step reads the emulator's kubeconfig, as a user's shell would after `export KUBECONFIG`.
  const child = { ...ctx, env: { ...ctx.env, KUBECONFIG: world.kubeconfig } };
  try {
    const today = dayIn(now, 'UTC');
    const yesterday = dayIn(now.getTime() - 86_400_000, 'UTC');
    const threeDaysAgo = dayIn(now.getTime() - 3 * 86_400_000, 'UTC');
    const before = workloadImages(world);

    say(color.bold('The story, on Kubernetes'));
    say(`  Today (${today}) a release of frontend, api and billing broke namespace dev. Yesterday only`);
    say(`  frontend and api were released; billing last changed three days ago (${threeDaysAgo}). We roll`);
    say(
      '  dev back to yesterday: every Deployment must run what it ran at the end of that day, billing included.',
    );
    say(`  Embedded registry: ${world.registryUrl}   Kubernetes emulator: ${world.kubernetes.url}`);
    say(`  export KUBECONFIG=${world.kubeconfig}`);
    say();

    say(color.bold('1. Which dates can we roll back to? (the Jenkins dropdown)'));
    const getArgs = ['get', '--registry', world.registryUrl, '--repo', STORY_REPOSITORIES.join(',')];
    const get = await step(child, say, color, [...getArgs, '--env', 'develop', '--dump', dump, '--no-cache']);
    if (!get.trim().split('\n').includes(yesterday))
      throw new RollbackFailedError(`demo: yesterday (${yesterday}) was not offered`);
    say(`   The on-call engineer picks yesterday, ${yesterday}.`);
    say();

    const runArgs = ['run', '--date', yesterday, '--dump', dump, '--kubernetes', '--namespace', 'dev'];
    say(color.bold('2. What will change? (dry run: nothing is written or patched)'));
    await step(child, say, color, [...runArgs, '--dry-run']);
    say();

    say(color.bold('3. Roll back: one JSON patch per Deployment, watched until every replica is available'));
    await step(child, say, color, runArgs);
    say();

    const after = workloadImages(world);
    say(color.bold('4. Before and after, read back from the Kubernetes emulator'));
    const decoys = new Set(['dev/gateway-api/gateway-api', 'dev2/api/api']);
    table(
      say,
      ['namespace/deployment/container', 'before', 'after', ''],
      [...before.keys()]
        .filter((k) => k.startsWith('dev/') || k.startsWith('dev2/'))
        .map((k) => [k, before.get(k)!, after.get(k) ?? '(gone)', decoys.has(k) ? 'decoy' : '']),
    );
    verify(world.kubernetes, before, after, decoys);
    say();
    say('   The history of dev/api, as `kubectl rollout history deploy/api -n dev` shows it:');
    table(say, ['REVISION', 'CHANGE-CAUSE'], rolloutHistory(world.kubernetes, 'dev', 'api'));
    say();
    say(`   billing went back to its image from ${threeDaysAgo}: the rollback point is a snapshot in time,`);
    say("   so a service that did not change yesterday still leaves today's incompatible release.");
    say('   The decoys (a gateway-api image, a namespace dev2) were not touched.');
    say(`${color.green('Demo finished.')} Catalog, plan, journal and summary of this run: ${dump}`);
    return 0;
  } finally {
    await world.stop();
  }
}

/**
 * What dev runs after the rollback to yesterday: each service's last release before today, read
 * off the story's release table (src/sandbox/story-releases.ts). Literals, so that the check never
 * repeats the rule it checks.
 */
const AFTER_ROLLBACK_TO_YESTERDAY: Record<string, string> = {
  'dev/frontend/frontend': 'shop/frontend:1.5.0-develop',
  'dev/api/api': 'shop/api:1.6.0-develop',
  'dev/billing/billing': 'shop/billing:1.4.0-develop',
};

/** The demo proves the story or fails: the images, every replica rolled out, the decoys as they were. */
function verify(
  em: KubernetesEmulator,
  before: Map<string, string>,
  after: Map<string, string>,
  decoys: Set<string>,
): void {
  for (const [key, want] of Object.entries(AFTER_ROLLBACK_TO_YESTERDAY)) {
    const got = after.get(key);
    if (got !== want) throw new RollbackFailedError(`demo: ${key} runs ${got}, expected ${want}`);
    const d = em.get('deployments', 'dev', key.split('/')[1]!) as {
      metadata: { generation: number };
      spec: { replicas: number };
      status: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
    };
    const { status } = d;
    if (
      status.observedGeneration !== d.metadata.generation ||
      status.updatedReplicas !== d.spec.replicas ||
      status.availableReplicas !== d.spec.replicas
    )
      throw new RollbackFailedError(`demo: ${key} is not rolled out (${JSON.stringify(status)})`);
  }
  for (const key of decoys)
    if (before.get(key) !== after.get(key)) throw new RollbackFailedError(`demo: decoy ${key} was changed`);
}

/** `namespace/deployment/container` → image, without the registry host (the same everywhere). */
function workloadImages(world: KubernetesStoryWorld): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of world.kubernetes.list('deployments') as Array<{
    metadata: { namespace: string; name: string };
    spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
  }>)
    for (const c of d.spec.template.spec.containers)
      out.set(
        `${d.metadata.namespace}/${d.metadata.name}/${c.name}`,
        c.image.replace(`${world.registryHost}/`, ''),
      );
  return out;
}

interface ReplicaSetView {
  metadata: { annotations?: Record<string, string>; ownerReferences?: Array<{ uid: string }> };
}

const revision = (a: Record<string, string>) => Number(a['deployment.kubernetes.io/revision'] ?? 0);

/** The Deployment's ReplicaSets by revision, with the change-cause each carries. */
function rolloutHistory(em: KubernetesEmulator, namespace: string, name: string): string[][] {
  const uid = (em.get('deployments', namespace, name) as { metadata: { uid: string } }).metadata.uid;
  return (em.list('replicasets', namespace) as unknown as ReplicaSetView[])
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.uid === uid))
    .map((rs) => rs.metadata.annotations ?? {})
    .sort((a, b) => revision(a) - revision(b))
    .map((a) => [String(revision(a)), a['kubernetes.io/change-cause'] ?? '<none>']);
}
