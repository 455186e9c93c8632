import { keyedHash, summarize, type VersionSummary } from '../../src/history/summary';
import type { AppHistory } from '../../src/history/read';
import type { MarathonApp } from '../../src/marathon/answers';

/**
 * Plain data for the pure history tests: app definitions as Marathon stores them, reduced with a
 * fixed key, so every test reads as "this app had these versions".
 */

export const HASH = keyedHash(Buffer.alloc(32, 7));
export const REGISTRY = 'registry.example.com';

export interface Shape {
  instances?: number;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  grace?: number;
}

/** A stored version of `/ds/dev/shop/<service>` on `tag`, in the given shape. */
export function definition(service: string, tag: string, at: string, shape: Shape = {}): MarathonApp {
  return {
    id: `/ds/dev/shop/${service}`,
    version: at,
    versionInfo: { lastScalingAt: at, lastConfigChangeAt: at },
    instances: shape.instances ?? 2,
    cpus: 0.25,
    mem: 256,
    env: shape.env ?? { SERVICE_NAME: service },
    labels: shape.labels ?? { team: 'shop' },
    container: {
      type: 'DOCKER',
      docker: { image: `${REGISTRY}/shop/${service}:${tag}` },
    },
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', gracePeriodSeconds: shape.grace ?? 30 }],
  };
}

export function version(service: string, tag: string, at: string, shape: Shape = {}): VersionSummary {
  return summarize(definition(service, tag, at, shape), HASH);
}

/** An app's kept history, oldest first; `complete: false` when Marathon dropped older versions. */
export function historyOf(
  service: string,
  versions: Array<[tag: string, at: string, shape?: Shape]>,
  complete = true,
): AppHistory {
  return {
    appId: `/ds/dev/shop/${service}`,
    versions: versions.map(([tag, at, shape]) => version(service, tag, at, shape)),
    complete,
  };
}

export const image = (service: string, tag: string) => `${REGISTRY}/shop/${service}:${tag}`;
