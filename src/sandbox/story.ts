/**
 * The product's story as data, for the demo and the sandbox: three services of a shop, releases
 * over the last two weeks in three environments, and Marathon apps (with decoys) running the
 * newest of them. Pure: everything is derived from `now`, so tests can pin it.
 *
 * Today's bad release changed all three services; yesterday's changed frontend and api only;
 * before today billing last changed three days ago. Rolling back to yesterday must therefore take
 * billing back to its image from three days ago.
 */
import type { CatalogImage } from '../plan/catalog';
import { newestFirst } from '../plan/snapshot';

export const STORY_REPOSITORIES = ['shop/frontend', 'shop/api', 'shop/billing'] as const;

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

/** Days before today on which each service had a develop release (0 = today's bad release). */
const DEVELOP_RELEASES: Record<string, number[]> = {
  'shop/frontend': [13, 10, 7, 4, 1, 0],
  'shop/api': [13, 11, 8, 5, 2, 1, 0],
  'shop/billing': [12, 9, 6, 3, 0],
};
/** Promotions are rarer: stage every few days, master (prod) twice in two weeks. */
const STAGE_RELEASES = [12, 8, 5, 2];
const MASTER_RELEASES = [11, 4];

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfUtcDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

/**
 * When a release `daysAgo` days back was built: mid-morning on earlier days; for today, an hour
 * ago but never before midnight, so "today" stays today whatever time the demo runs.
 */
function builtAt(now: Date, daysAgo: number, minuteOffset: number): string {
  const today = startOfUtcDay(now.getTime());
  if (daysAgo === 0) return new Date(Math.max(today, now.getTime() - 60 * 60 * 1000)).toISOString();
  return new Date(today - daysAgo * DAY_MS + (9 * 60 + minuteOffset) * 60 * 1000).toISOString();
}

export function storyImages(now: Date): StoryImage[] {
  const images: StoryImage[] = [];
  STORY_REPOSITORIES.forEach((repo, r) => {
    const develop = [...DEVELOP_RELEASES[repo]!].sort((a, b) => b - a); // oldest first
    develop.forEach((daysAgo, i) => {
      images.push({ repo, tag: `1.${i + 1}.0-develop`, created: builtAt(now, daysAgo, r * 7), daysAgo });
    });
    STAGE_RELEASES.forEach((daysAgo, i) => {
      const version = `1.${STAGE_RELEASES.length - i}.0`;
      images.push({ repo, tag: `${version}-stage`, created: builtAt(now, daysAgo, 30 + r * 7), daysAgo });
    });
    MASTER_RELEASES.forEach((daysAgo, i) => {
      const version = `1.${MASTER_RELEASES.length - i}.0`;
      images.push({ repo, tag: `${version}-master`, created: builtAt(now, daysAgo, 45 + r * 7), daysAgo });
    });
  });
  // Unrelated images in the same registry: a repository whose name ends like ours, and a
  // `latest` tag, neither of which belongs to any environment's rollback.
  images.push({ repo: 'shop/gateway-api', tag: '2.0.0-develop', created: builtAt(now, 5, 0), daysAgo: 5 });
  images.push({ repo: 'shop/api', tag: 'latest', created: builtAt(now, 0, 0), daysAgo: 0 });
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

/** A realistic Marathon app definition (bridge networking, health check, volumes, parameters). */
export function marathonAppDefinition(app: StoryApp, registryHost: string): Record<string, unknown> {
  const name = app.repo.split('/').pop()!;
  return {
    id: app.id,
    instances: 2,
    cpus: 0.25,
    mem: 256,
    env: { SERVICE_NAME: name },
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
        gracePeriodSeconds: 30,
        intervalSeconds: 10,
        maxConsecutiveFailures: 3,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  };
}
