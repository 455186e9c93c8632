import { storyApps, type StoryApp } from '../story';
import type { JsonObject } from './json';
import { deploymentManifest } from './manifests';

/**
 * The demo's story (../story.ts) on Kubernetes: each environment's Marathon group becomes a
 * namespace (`/ds/dev/shop/api` → Deployment `api` in `dev`), running the same images, decoys
 * included, so that `rollback demo --kubernetes` tells the same story as the Marathon demo.
 */

export interface StoryWorkload {
  namespace: string;
  name: string;
  image: string;
  decoy: boolean;
}

/** `/ds/<environment>/shop/<service>` → namespace `<environment>`, Deployment `<service>`. */
export function storyWorkload(app: StoryApp, registryHost: string): StoryWorkload {
  const segments = app.id.split('/').filter(Boolean);
  return {
    namespace: segments[1]!,
    name: segments[segments.length - 1]!,
    image: `${registryHost}/${app.repo}:${app.tag}`,
    decoy: app.decoy,
  };
}

export function storyDeployment(workload: StoryWorkload): JsonObject {
  const manifest = deploymentManifest({
    name: workload.name,
    namespace: workload.namespace,
    replicas: 2,
    labels: { team: 'shop' },
    containers: [{ name: workload.name, image: workload.image }],
  });
  const container = (manifest as { spec: { template: { spec: { containers: JsonObject[] } } } }).spec.template
    .spec.containers[0]!;
  container['env'] = [{ name: 'SERVICE_NAME', value: workload.name }];
  return manifest;
}

/** Seeds every story workload as a rolled-out Deployment; returns what it seeded. */
export function seedKubernetesStory(
  emulator: { addDeployment(manifest: JsonObject): JsonObject },
  registryHost: string,
  now: Date,
): StoryWorkload[] {
  const workloads = storyApps(now).map((app) => storyWorkload(app, registryHost));
  for (const workload of workloads) emulator.addDeployment(storyDeployment(workload));
  return workloads;
}
