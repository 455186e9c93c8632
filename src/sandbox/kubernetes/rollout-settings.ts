/**
 * How long emulated rollouts take and which ones never finish: set for the whole emulator, a
 * namespace or one object, by tests, the bench and the demo.
 */

export interface HangOptions {
  /** How many rollouts of the object hang (default 1: the next one). */
  times?: number;
  /** Report ProgressDeadlineExceeded after this long without progress instead of the object's
   *  spec.progressDeadlineSeconds (default 600 s), so a test need not wait ten minutes. */
  progressDeadlineMs?: number;
}

export interface Hang {
  progressDeadlineMs?: number;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class RolloutSettings {
  private readonly byNamespace = new Map<string, number>();
  private readonly byObject = new Map<string, number>();
  private readonly hangs = new Map<string, { left: number; hang: Hang }>();

  constructor(private defaultMs: number) {}

  /** Time from a template change until every replica runs the new template. */
  durationMs(namespace: string, name: string): number {
    return this.byObject.get(objectKey(namespace, name)) ?? this.byNamespace.get(namespace) ?? this.defaultMs;
  }

  setDuration(ms: number, target: { namespace?: string; name?: string } = {}): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`a rollout duration must be >= 0 ms, not ${ms}`);
    if (target.name !== undefined) {
      if (target.namespace === undefined)
        throw new Error('a rollout duration for one object needs its namespace');
      this.byObject.set(objectKey(target.namespace, target.name), ms);
    } else if (target.namespace !== undefined) this.byNamespace.set(target.namespace, ms);
    else this.defaultMs = ms;
  }

  hangNext(namespace: string, name: string, options: HangOptions = {}): void {
    const times = options.times ?? 1;
    if (times < 1) throw new Error('times must be at least 1');
    this.hangs.set(objectKey(namespace, name), {
      left: times,
      hang: { progressDeadlineMs: options.progressDeadlineMs },
    });
  }

  /** Whether the rollout starting now hangs; counts it. */
  takeHang(namespace: string, name: string): Hang | undefined {
    const entry = this.hangs.get(objectKey(namespace, name));
    if (!entry) return undefined;
    if (--entry.left <= 0) this.hangs.delete(objectKey(namespace, name));
    return entry.hang;
  }
}
