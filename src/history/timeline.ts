import type { AppHistory } from './read';
import { changedFields, type VersionSummary } from './summary';

/**
 * An environment's timeline from its apps' stored versions: what changed when (a new image, or
 * configuration only; scales and restarts are not release points), grouped into releases, and
 * what each app ran at any instant. Pure.
 */

export interface AppChange {
  appId: string;
  /** When Marathon stored the version that made the change. */
  at: string;
  kind: 'image' | 'config';
  /** Undefined for the app's first version (created then). */
  from?: string;
  to?: string;
  /** For configuration changes: the fields that changed (entries of env and secrets by name). */
  fields: string[];
}

export interface Release {
  /** The instant right after its last change (to the second): `run --at` this to get its state. */
  at: string;
  changes: AppChange[];
  /** No image changed, only configuration. */
  configOnly: boolean;
}

export function appChanges(history: AppHistory): AppChange[] {
  const out: AppChange[] = [];
  history.versions.forEach((v, i) => {
    const previous = history.versions[i - 1];
    const base = { appId: history.appId, at: v.version };
    if (!previous) {
      // The first version kept is a change only when it is the app's creation.
      if (history.complete)
        out.push({ ...base, kind: 'image', ...(v.image ? { to: v.image } : {}), fields: [] });
      return;
    }
    if (v.image !== previous.image) {
      out.push({ ...base, kind: 'image', ...fromTo(previous, v), fields: changedFields(previous, v) });
      return;
    }
    const fields = changedFields(previous, v);
    if (fields.length > 0) out.push({ ...base, kind: 'config', ...fromTo(previous, v), fields });
    // Otherwise a scale (only instances) or a restart (nothing): not a release point.
  });
  return out;
}

const fromTo = (a: VersionSummary, b: VersionSummary) => ({
  ...(a.image ? { from: a.image } : {}),
  ...(b.image ? { to: b.image } : {}),
});

/** Ceiling to the whole second, so an `--at` printed to the second still includes the change. */
function afterLast(at: string): string {
  const ms = Date.parse(at);
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Changes within `windowMs` of the first change of a release belong to it (a release rolls over
 * several services in a few minutes). Newest release first.
 */
export function groupReleases(changes: readonly AppChange[], windowMs: number): Release[] {
  const sorted = [...changes].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.appId < b.appId ? -1 : 1),
  );
  const releases: Array<{ start: number; changes: AppChange[] }> = [];
  for (const change of sorted) {
    const t = Date.parse(change.at);
    const current = releases[releases.length - 1];
    if (current && t - current.start <= windowMs) current.changes.push(change);
    else releases.push({ start: t, changes: [change] });
  }
  return releases
    .map((r) => ({
      at: afterLast(r.changes[r.changes.length - 1]!.at),
      changes: r.changes,
      configOnly: r.changes.every((c) => c.kind === 'config'),
    }))
    .reverse();
}

export type VersionAt =
  | { kind: 'version'; summary: VersionSummary }
  /** The history kept starts after the instant: what ran then is no longer known. */
  | { kind: 'before-history'; oldest: string }
  /** The whole history is kept and starts after the instant: the app did not exist then. */
  | { kind: 'not-created'; created: string }
  | { kind: 'no-history' };

/** The version an app ran at `instant`: the newest stored at or before it. */
export function versionAt(history: AppHistory, instant: string): VersionAt {
  const t = Date.parse(instant);
  const oldest = history.versions[0];
  if (!oldest) return { kind: 'no-history' };
  let found: VersionSummary | undefined;
  for (const v of history.versions) if (Date.parse(v.version) <= t) found = v;
  if (found) return { kind: 'version', summary: found };
  return history.complete
    ? { kind: 'not-created', created: oldest.version }
    : { kind: 'before-history', oldest: oldest.version };
}

/**
 * When what `summary` runs went out: the version that last changed its image or configuration.
 * A scale or a restart since stores a new version but deploys nothing new.
 */
export function deployedAt(history: AppHistory, summary: VersionSummary): string {
  const i = history.versions.indexOf(summary);
  let first = i;
  while (first > 0) {
    const before = history.versions[first - 1]!;
    const current = history.versions[first]!;
    if (before.image !== current.image || changedFields(before, current).length > 0) break;
    first--;
  }
  return (history.versions[first] ?? summary).version;
}

/** A duration such as `10m`, `36h`, `7d` or `90s`, in milliseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
