/**
 * The product's story as data, for the demo and the sandbox: three services of a shop, releases
 * over the last two weeks in three environments (the tables are in story-releases.ts), Marathon apps
 * (with decoys) running the newest of them, and the history Marathon keeps of each app. Pure:
 * everything is derived from `now`, so tests can pin it.
 *
 * Today's bad release changed all three services; yesterday's changed frontend and api only;
 * before today billing last changed three days ago. Rolling back to yesterday must therefore take
 * billing back to its image from three days ago.
 */
import type { CatalogImage } from '../plan/catalog';
import { newestFirst } from '../plan/snapshot';
import type { HistoryEntry } from './marathon';
import {
  builtToday,
  deployedToday,
  DEV_FIRST_SHAPE,
  DEV_TIMELINE,
  GATEWAY_RELEASE,
  PROMOTIONS,
  SERVICE_REPOSITORY,
  TODAY_SHAPE,
  timeOn,
  type AppShape,
  type StoryEvent,
  type StoryService,
} from './story-releases';

export const STORY_REPOSITORIES = ['shop/frontend', 'shop/api', 'shop/billing'] as const;
const SERVICES: StoryService[] = ['frontend', 'api', 'billing'];

/** Marathon groups per environment, as the Jenkins steps map them by default. */
export const STORY_ENVIRONMENTS = [
  { name: 'dev', suffix: 'develop', group: '/ds/dev' },
  { name: 'stage', suffix: 'stage', group: '/ds/stage' },
  { name: 'prod', suffix: 'master', group: '/ds/prod' },
] as const;

export interface StoryImage {
  repo: string;
  tag: string;
  /** ISO-8601 UTC. */
  created: string;
  /** Days before today (0 = today). */
  daysAgo: number;
}

export interface StoryApp {
  id: string;
  repo: string;
  tag: string;
  /** A decoy must never be touched by a rollback of its neighbours. */
  decoy: boolean;
}

/** When an image of a release was built. */
function builtAt(now: Date, daysAgo: number, built: string, extraMinutes = 0): string {
  return built === 'today' ? builtToday(now) : timeOn(now, daysAgo, built, extraMinutes);
}

export function storyImages(now: Date): StoryImage[] {
  const images: StoryImage[] = [];
  SERVICES.forEach((service, r) => {
    const repo = SERVICE_REPOSITORY[service];
    for (const event of DEV_TIMELINE) {
      if (event.service !== service || !('image' in event.change)) continue;
      const { image: tag, built } = event.change;
      images.push({ repo, tag, created: builtAt(now, event.daysAgo, built), daysAgo: event.daysAgo });
    }
    for (const p of PROMOTIONS) {
      images.push({ repo, tag: p.tag, created: builtAt(now, p.daysAgo, p.built, r * 7), daysAgo: p.daysAgo });
    }
  });
  // Unrelated images in the same registry: a repository whose name ends like ours, and a
  // `latest` tag, neither of which belongs to any environment's rollback.
  const gateway = GATEWAY_RELEASE;
  images.push({
    repo: 'shop/gateway-api',
    tag: gateway.tag,
    created: builtAt(now, gateway.daysAgo, gateway.built),
    daysAgo: gateway.daysAgo,
  });
  images.push({ repo: 'shop/api', tag: 'latest', created: builtToday(now), daysAgo: 0 });
  return images;
}

/**
 * The images of `repo` in the environment with tag suffix `suffix`, newest first, as a catalog
 * lists them. Digests are not known until the images are built; the snapshot rule does not use them.
 */
export function storyImagesOf(images: readonly StoryImage[], repo: string, suffix: string): CatalogImage[] {
  return newestFirst(
    images
      .filter((i) => i.repo === repo && i.tag.endsWith(`-${suffix}`))
      .map((i) => ({ tag: i.tag, digest: '', created: i.created })),
  );
}

/** Newest tag of `repo` with `suffix`, as the apps run it now. */
function newestTag(images: StoryImage[], repo: string, suffix: string): string {
  const newest = storyImagesOf(images, repo, suffix)[0];
  if (!newest) throw new Error(`story has no ${suffix} image of ${repo}`);
  return newest.tag;
}

export function storyApps(now: Date): StoryApp[] {
  const images = storyImages(now);
  const apps: StoryApp[] = [];
  for (const env of STORY_ENVIRONMENTS) {
    for (const repo of STORY_REPOSITORIES) {
      apps.push({ id: `${env.group}/${repo}`, repo, tag: newestTag(images, repo, env.suffix), decoy: false });
    }
  }
  // Decoys: a gateway whose repository ends in "api", and a second dev-like group.
  apps.push({ id: '/ds/dev/shop/gateway-api', repo: 'shop/gateway-api', tag: '2.0.0-develop', decoy: true });
  apps.push({
    id: '/ds/dev2/shop/api',
    repo: 'shop/api',
    tag: newestTag(images, 'shop/api', 'develop'),
    decoy: true,
  });
  return apps;
}

/**
 * A realistic Marathon app definition (bridge networking, health check, volumes, parameters), as
 * the app runs today, or with the earlier configuration `shape` of its history.
 */
export function marathonAppDefinition(
  app: StoryApp,
  registryHost: string,
  shape: AppShape = TODAY_SHAPE,
): Record<string, unknown> {
  const name = app.repo.split('/').pop()!;
  return {
    id: app.id,
    instances: shape.instances,
    cpus: 0.25,
    mem: 256,
    env: { SERVICE_NAME: name, ...shape.env },
    labels: { team: 'shop', service: name },
    networks: [{ mode: 'container/bridge' }],
    container: {
      type: 'DOCKER',
      docker: {
        image: `${registryHost}/${app.repo}:${app.tag}`,
        forcePullImage: false,
        privileged: false,
        parameters: [{ key: 'log-driver', value: 'json-file' }],
      },
      portMappings: [{ containerPort: 8080, hostPort: 0, servicePort: 0, protocol: 'tcp', name: 'http' }],
      volumes: [{ containerPath: '/var/log/app', hostPath: `/var/log/${name}`, mode: 'RW' }],
    },
    healthChecks: [
      {
        protocol: 'MESOS_HTTP',
        portIndex: 0,
        path: '/health',
        gracePeriodSeconds: shape.healthCheckGraceSeconds,
        intervalSeconds: 10,
        maxConsecutiveFailures: 3,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  };
}

/** One app of the story and the history Marathon keeps of it, oldest first. */
export interface StoryAppHistory {
  app: StoryApp;
  history: HistoryEntry[];
}

function deployedAt(now: Date, event: { daysAgo: number; at: string }, todaySlot: number, extraMinutes = 0) {
  return event.at === 'today'
    ? deployedToday(now, todaySlot)
    : timeOn(now, event.daysAgo, event.at, extraMinutes);
}

/** A dev app through DEV_TIMELINE: each event is one version, of a release, a config change or a scale. */
function devHistory(app: StoryApp, service: StoryService, now: Date, registryHost: string): HistoryEntry[] {
  let shape = DEV_FIRST_SHAPE[service];
  let tag: string | undefined;
  const slot = SERVICES.indexOf(service) + 1;
  return DEV_TIMELINE.filter((e) => e.service === service).map((event: StoryEvent) => {
    const change = event.change;
    if ('image' in change) tag = change.image;
    else if ('env' in change) shape = { ...shape, env: change.env };
    else if ('instances' in change) shape = { ...shape, instances: change.instances };
    else shape = { ...shape, healthCheckGraceSeconds: change.healthCheckGraceSeconds };
    if (tag === undefined) throw new Error(`story: ${service} changes before its first release`);
    return {
      at: deployedAt(now, event, slot),
      definition: marathonAppDefinition({ ...app, tag }, registryHost, shape),
    };
  });
}

/**
 * Every app of `storyApps(now)` with two weeks of history ending on its definition of today: the dev
 * apps through DEV_TIMELINE, stage and prod through their promotions, the decoys through the releases
 * they run (/ds/dev2 follows dev's api five minutes later).
 */
export function storyHistory(now: Date, registryHost: string): StoryAppHistory[] {
  const apiReleases = DEV_TIMELINE.filter((e) => e.service === 'api' && 'image' in e.change);
  return storyApps(now).map((app) => {
    const service = SERVICES.find((s) => SERVICE_REPOSITORY[s] === app.repo);
    const env = STORY_ENVIRONMENTS.find((e) => app.id.startsWith(`${e.group}/`));
    const release = (tag: string, at: string): HistoryEntry => ({
      at,
      definition: marathonAppDefinition({ ...app, tag }, registryHost),
    });
    let history: HistoryEntry[];
    if (app.id === '/ds/dev2/shop/api') {
      history = apiReleases.map((e) =>
        release((e.change as { image: string }).image, deployedAt(now, e, 4, 5)),
      );
    } else if (app.decoy) {
      history = [release(GATEWAY_RELEASE.tag, timeOn(now, GATEWAY_RELEASE.daysAgo, GATEWAY_RELEASE.at))];
    } else if (env?.name === 'dev') {
      history = devHistory(app, service!, now, registryHost);
    } else {
      const r = SERVICES.indexOf(service!);
      history = PROMOTIONS.filter((p) => p.env === env!.name).map((p) =>
        release(p.tag, timeOn(now, p.daysAgo, p.at, r * 10)),
      );
    }
    return { app, history };
  });
}
