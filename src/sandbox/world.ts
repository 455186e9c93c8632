import { buildImage } from './image-builder';
import { startEmbeddedRegistry, type EmbeddedRegistryOptions } from './registry';
import { startMarathonEmulator, type MarathonEmulator, type MarathonEmulatorOptions } from './marathon';
import { storyHistory, storyImages } from './story';

/**
 * The demo's world: an embedded registry and a Marathon emulator on loopback, seeded with the
 * story (src/sandbox/story.ts): the images with their build dates, the apps with two weeks of
 * Marathon history ending on today's definitions. Used by `rollback demo`, `rollback sandbox` and the tests that run
 * the README's commands.
 */
export interface StoryWorld {
  registryUrl: string;
  /** host:port as it appears in the apps' image references. */
  registryHost: string;
  marathon: MarathonEmulator;
  stop(): Promise<void>;
}

export interface StoryWorldOptions {
  now?: Date;
  registryPort?: number;
  marathonPort?: number;
  deploymentMs?: number;
  /** Extra registry options, e.g. `basic` to demand credentials. */
  registry?: Omit<EmbeddedRegistryOptions, 'port'>;
  /** Extra emulator options, e.g. `mode: 'dcos'` with `users`. */
  marathon?: Omit<MarathonEmulatorOptions, 'port' | 'deploymentMs'>;
}

export async function startStoryWorld(options: StoryWorldOptions = {}): Promise<StoryWorld> {
  const now = options.now ?? new Date();
  const registry = await startEmbeddedRegistry({ ...options.registry, port: options.registryPort });
  const registryHost = new URL(registry.url).host;
  let marathon: MarathonEmulator | undefined;
  try {
    for (const image of storyImages(now)) {
      registry.seed(
        image.repo,
        image.tag,
        buildImage({ kind: 'oci', created: image.created, marker: `${image.repo}:${image.tag}` }),
      );
    }
    marathon = await startMarathonEmulator({
      ...options.marathon,
      port: options.marathonPort,
      deploymentMs: options.deploymentMs ?? 2500,
    });
    for (const { app, history } of storyHistory(now, registryHost)) marathon.seedHistory(app.id, history);
  } catch (err) {
    await registry.stop();
    throw err;
  }
  const m = marathon;
  return {
    registryUrl: registry.url,
    registryHost,
    marathon: m,
    stop: async () => {
      await Promise.allSettled([m.close(), registry.stop()]);
    },
  };
}
