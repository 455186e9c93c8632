import { InputError, UsageError } from '../errors';
import { quote } from '../util/quote';

/**
 * Marathon's answers as the API documents them (RAML app.raml, deployments.raml), and the checks
 * made at the boundary before the rest of the code sees them. Pure.
 */

export interface MarathonContainer {
  type?: string;
  docker?: { image?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface MarathonTask {
  id?: string;
  version?: string;
  state?: string;
  [key: string]: unknown;
}

export interface MarathonApp {
  id: string;
  instances?: number;
  version?: string;
  container?: MarathonContainer | null;
  healthChecks?: unknown[];
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksStaged?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: MarathonTask[];
  lastTaskFailure?: { message?: string; timestamp?: string; version?: string; state?: string } | null;
  [key: string]: unknown;
}

export interface MarathonDeployment {
  id: string;
  version?: string;
  affectedApps: string[];
  currentStep?: number;
  totalSteps?: number;
  [key: string]: unknown;
}

/** A pod (RAML pods.raml): several containers, each with `image.id`. */
export interface MarathonPod {
  id: string;
  containers?: Array<{ name?: string; image?: { id?: string } }>;
  [key: string]: unknown;
}

export interface DeployResult {
  deploymentId: string;
  version?: string;
}

/**
 * Fields Marathon answers beside an app's definition that describe its state (or, `version` and
 * `versionInfo`, which version it is): not part of what the app is, never sent back (a `version`
 * would turn a PUT into a rollback, or a 422).
 */
export const STATE_FIELDS: readonly string[] = [
  'version',
  'versionInfo',
  'tasks',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'readinessCheckResults',
  'lastTaskFailure',
  'taskStats',
  'tasksStats',
  'counts',
];

export const APP_ID = /^(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)+$/;

export function assertAppId(id: string): void {
  // Ids come from Marathon or from a journal a person may have edited; never build a path from junk.
  if (!APP_ID.test(id)) throw new InputError(`"${id}" is not a Marathon app id`);
}

/** `/ds/dev/` → `/ds/dev`; rejects what Marathon would not accept as a group path. */
export function normalizeGroup(group: string): string {
  const trimmed = group.trim().replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const absolute = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!APP_ID.test(absolute))
    throw new UsageError(`--group ${quote(group)} is not a Marathon group path such as /ds/dev`);
  return absolute;
}

export function isUnderGroup(appId: string, group: string): boolean {
  return group === '/' || appId.startsWith(`${group}/`);
}

/**
 * The version only a configuration change moves. Marathon's code (not its swapped docs) sets
 * lastConfigChangeAt on a config change and leaves it on a scale, which only moves `version`.
 */
export function configVersionOf(app: MarathonApp): string | undefined {
  const info = app.versionInfo as { lastConfigChangeAt?: unknown } | undefined;
  if (typeof info?.lastConfigChangeAt === 'string') return info.lastConfigChangeAt;
  return typeof app.version === 'string' ? app.version : undefined;
}

/** ` : message (details)` from Marathon's error body, or nothing. */
export function messageOf(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const { message, details } = data as { message?: unknown; details?: unknown };
  if (typeof message !== 'string') return '';
  let extra = '';
  if (Array.isArray(details)) {
    extra = details
      .map((d: { path?: unknown; errors?: unknown }) =>
        `${typeof d?.path === 'string' ? d.path : ''} ${Array.isArray(d?.errors) ? d.errors.join('; ') : ''}`.trim(),
      )
      .filter(Boolean)
      .join(', ');
  } else if (typeof details === 'string') extra = details;
  return `: ${message}${extra ? ` (${extra})` : ''}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What is wrong with an app in an answer, as Marathon's API documents apps (RAML app.raml): an
 * object with an id; `container` absent (a command app) or an object whose `docker.image` is a
 * string, required for type DOCKER; `deployments` a list of {id}. Undefined when nothing is.
 */
export function appProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'an app that is not a JSON object';
  if (typeof v.id !== 'string' || v.id === '') return 'an app without an id';
  const app = `app ${quote(v.id)}`;
  const c = v.container;
  if (c !== undefined && c !== null) {
    if (!isObject(c)) return `${app} whose container is not an object`;
    if (c.type !== undefined && typeof c.type !== 'string')
      return `${app} whose container type is not a string`;
    const d = c.docker;
    if (d !== undefined && d !== null && !isObject(d))
      return `${app} whose container.docker is not an object`;
    const image = isObject(d) ? d.image : undefined;
    if (image !== undefined && typeof image !== 'string') return `${app} whose Docker image is not a string`;
    if ((c.type ?? 'DOCKER') === 'DOCKER' && !image)
      return `${app} of container type DOCKER without a Docker image (container.docker.image)`;
  }
  if (
    v.deployments !== undefined &&
    !(Array.isArray(v.deployments) && v.deployments.every((d) => isObject(d) && typeof d.id === 'string'))
  )
    return `${app} whose deployments are not a list of {"id": ...}`;
  return undefined;
}

export function isAppList(v: unknown): v is { apps: unknown[] } {
  return isObject(v) && Array.isArray(v.apps);
}

export function isAppWrapper(v: unknown): v is { app: unknown } {
  return isObject(v) && v.app !== undefined;
}

export function isDeploymentList(v: unknown): v is MarathonDeployment[] {
  return (
    Array.isArray(v) &&
    v.every((d) => isObject(d) && typeof d.id === 'string' && Array.isArray(d.affectedApps))
  );
}

/** The Docker image of an app, for container types DOCKER (the default) and MESOS. */
export function dockerImageOf(app: MarathonApp): string | undefined {
  const c = app.container;
  if (!c) return undefined;
  const type = c.type ?? 'DOCKER';
  if (type !== 'DOCKER' && type !== 'MESOS') return undefined;
  const image = c.docker?.image;
  return typeof image === 'string' && image !== '' ? image : undefined;
}

export function isPodList(v: unknown): v is MarathonPod[] {
  return Array.isArray(v) && v.every((p) => isObject(p) && typeof p.id === 'string');
}

export function isVersionList(v: unknown): v is { versions: string[] } {
  return isObject(v) && Array.isArray(v.versions) && v.versions.every((x) => typeof x === 'string');
}
