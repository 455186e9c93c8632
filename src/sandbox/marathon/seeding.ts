import { absoluteId, changeBetween, normalizeApp, type PortAllocator } from './definition';
import type { AppRecord } from './deployments';
import { versionInfoAfter, type VersionChange, type VersionHistory, type VersionInfo } from './history';
import { formatTimestamp, hasHealthChecks, instancesOf, type TaskFactory, type TaskRecord } from './tasks';
import { checkAppDefinition, isTimestamp, type JsonObject } from './validate';

/**
 * An app seeded with a history in the past, so a sandbox or a test starts from weeks of releases
 * without waiting for them. Each entry is stored as Marathon would have stored that change had it
 * been made at that instant: a new version, versionInfo by the kind of change, the oldest versions
 * dropped beyond the limit. A bad entry throws: it is a bug of the test or the story, not an answer.
 */

export interface HistoryEntry {
  /** When this definition was deployed: ISO-8601 with an offset, in the past, after the entry before. */
  at: string;
  /**
   * The app as deployed then (`id` optional; `version`/`versionInfo` ignored). A change of `instances`
   * alone is stored as a scale; the same definition again as a restart (`POST /v2/apps/{id}/restart`).
   */
  definition: Record<string, unknown>;
}

export interface SeedingDeps {
  allocatePort: PortAllocator;
  tasks: TaskFactory;
  versions: VersionHistory;
  now: number;
}

/** The app after its whole history, healthy, with no deployment running. */
export function seededApp(id: string, history: readonly HistoryEntry[], deps: SeedingDeps): AppRecord {
  if (history.length === 0) throw new Error(`seedHistory(${id}): the history is empty`);
  let previous: JsonObject | undefined;
  let previousMs = -Infinity;
  let tasks: TaskRecord[] = [];
  for (const [index, entry] of history.entries()) {
    const where = `seedHistory(${id}) entry ${index} (${entry.at})`;
    if (!isTimestamp(entry.at)) throw new Error(`${where}: \`at\` is not an ISO-8601 instant with an offset`);
    const ms = Date.parse(entry.at);
    if (ms > deps.now) throw new Error(`${where}: is in the future`);
    if (ms <= previousMs) throw new Error(`${where}: is not after the entry before it`);
    const input = structuredClone(entry.definition) as JsonObject;
    if (typeof input['id'] === 'string' && absoluteId(input['id']) !== id)
      throw new Error(`${where}: the definition is of ${absoluteId(input['id'])}`);
    const checked = checkAppDefinition({ ...input, id });
    if (!checked.ok) throw new Error(`${where}: ${JSON.stringify(checked.body)}`);
    const next = normalizeApp(checked.app, deps.allocatePort, previous);
    const changed = previous ? changeBetween(previous, next) : 'create';
    const change: VersionChange = changed === 'none' ? 'restart' : changed;
    const version = formatTimestamp(ms);
    const previousInfo = previous?.['versionInfo'] as VersionInfo | undefined;
    const stored: JsonObject = {
      ...next,
      version,
      versionInfo: versionInfoAfter(change, version, previousInfo),
    };
    deps.versions.add(stored);
    tasks = tasksAfter(id, stored, change, tasks, ms, deps.tasks);
    previous = stored;
    previousMs = ms;
  }
  return { def: previous!, versions: deps.versions, tasks };
}

/** A scale keeps the running tasks (on their own versions) and adds or removes some; anything else replaces them. */
function tasksAfter(
  id: string,
  app: JsonObject,
  change: VersionChange,
  running: TaskRecord[],
  atMs: number,
  factory: TaskFactory,
): TaskRecord[] {
  const instances = instancesOf(app);
  const kept = change === 'scale' ? running.slice(0, instances) : [];
  const healthy = hasHealthChecks(app) ? true : undefined;
  const started = Array.from({ length: instances - kept.length }, () =>
    factory.create(id, String(app['version']), atMs, 'TASK_RUNNING', healthy),
  );
  return [...kept, ...started];
}
