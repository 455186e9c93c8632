import { buildImage } from './image-builder';
import { startKubernetesEmulator, seedKubernetesStory, type KubernetesEmulator } from './kubernetes';
import { startEmbeddedRegistry } from './registry';
import { storyImages } from './story';

/**
 * The demo's world on Kubernetes: the embedded registry with the story's images, and the
 * Kubernetes emulator running the story's Deployments (one namespace per environment: dev, stage,
 * prod; decoys dev/gateway-api and dev2/api), with a kubeconfig for it.
 */
export interface KubernetesStoryWorld {
  registryUrl: string;
  registryHost: string;
  kubernetes: KubernetesEmulator;
  /** A kubeconfig (bearer token) for the emulator, mode 0600. */
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startKubernetesStoryWorld(
  options: { now?: Date; registryPort?: number; kubernetesPort?: number; rolloutMs?: number } = {},
): Promise<KubernetesStoryWorld> {
  const now = options.now ?? new Date();
  const registry = await startEmbeddedRegistry({ port: options.registryPort });
  const registryHost = new URL(registry.url).host;
  let kubernetes: KubernetesEmulator | undefined;
  try {
    for (const image of storyImages(now))
      registry.seed(
        image.repo,
        image.tag,
        buildImage({ kind: 'oci', created: image.created, marker: `${image.repo}:${image.tag}` }),
      );
    kubernetes = await startKubernetesEmulator({
      ...(options.kubernetesPort ? { port: options.kubernetesPort } : {}),
      rolloutMs: options.rolloutMs ?? 2500,
    });
    seedKubernetesStory(kubernetes, registryHost, now);
  } catch (err) {
    await Promise.allSettled([registry.stop(), kubernetes?.close()]);
    throw err;
  }
  const k = kubernetes;
  return {
    registryUrl: registry.url,
    registryHost,
    kubernetes: k,
    kubeconfig: k.kubeconfig({ namespace: 'dev', context: 'sandbox' }),
    stop: async () => {
      await Promise.allSettled([k.close(), registry.stop()]);
    },
  };
}
