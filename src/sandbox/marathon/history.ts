import type { JsonObject } from './validate';

/**
 * One app's stored versions, as Marathon keeps them (reference sheet §5): every change that gives the
 * app a new `version` is stored, a scale and a restart included; at most `limit` are kept
 * (`--zk_max_versions`, 50 by default), the oldest dropped first; the list comes back in no order a
 * client could rely on (marathon-ui PR #795).
 */

export const DEFAULT_MAX_VERSIONS = 50;

/** What gave an app its new version; decides its versionInfo (see `versionInfoAfter`). */
export type VersionChange = 'create' | 'config' | 'scale' | 'restart';

export type VersionInfo = { lastScalingAt: string; lastConfigChangeAt: string };

/**
 * Marathon's `state/VersionInfo.scala`, not the RAML text (whose two descriptions are swapped, §1):
 * a scale moves `lastScalingAt` only; a restart moves `lastConfigChangeAt` only (`withRestartChange`,
 * on releases/1.9 and later, which this emulator claims to be; before, a restart counted as a scale);
 * anything else moves both. `version` is always the new one.
 */
export function versionInfoAfter(
  change: VersionChange,
  version: string,
  previous: VersionInfo | undefined,
): VersionInfo {
  if (!previous || change === 'create' || change === 'config') {
    return { lastScalingAt: version, lastConfigChangeAt: version };
  }
  if (change === 'scale') return { lastScalingAt: version, lastConfigChangeAt: previous.lastConfigChangeAt };
  return { lastScalingAt: previous.lastScalingAt, lastConfigChangeAt: version };
}

/** 32-bit FNV-1a: a seed that depends only on the text, so the same history lists the same way. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** mulberry32: a tiny deterministic generator, enough to shuffle a list. */
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isMonotonic(list: readonly string[]): boolean {
  const up = list.every((v, i) => i === 0 || list[i - 1]! < v);
  const down = list.every((v, i) => i === 0 || list[i - 1]! > v);
  return up || down;
}

/**
 * `list` in an order that is deterministic (same app, same versions, same order) and, from three
 * versions on, never sorted either way: a client that forgets to sort fails here, not in production.
 */
export function unordered(list: readonly string[], seedText: string): string[] {
  const out = [...list];
  const random = generator(seedOf(`${seedText}|${list.length}`));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  // A shuffle can still come out sorted; moving the first to the end breaks any run of three or more.
  if (out.length >= 3 && isMonotonic(out)) out.push(out.shift()!);
  return out;
}

export class VersionHistory {
  /** version timestamp → the stored definition (with `version` and `versionInfo`). */
  private readonly versions = new Map<string, JsonObject>();

  constructor(
    private readonly appId: string,
    private readonly limit: number,
  ) {}

  add(definition: JsonObject): void {
    this.versions.set(String(definition['version']), definition);
    if (this.versions.size <= this.limit) return;
    // Timestamps of one format sort as text in time order.
    const oldestFirst = [...this.versions.keys()].sort();
    for (const old of oldestFirst.slice(0, this.versions.size - this.limit)) this.versions.delete(old);
  }

  get(version: string): JsonObject | undefined {
    return this.versions.get(version);
  }

  /** The version timestamps as `GET /v2/apps/{id}/versions` lists them: in no useful order. */
  list(): string[] {
    return unordered([...this.versions.keys()], this.appId);
  }

  get size(): number {
    return this.versions.size;
  }
}
