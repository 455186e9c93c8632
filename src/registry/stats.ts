/**
 * What a discovery cost: requests by kind, retries, and what the digest cache saved. Printed at
 * the end of `get` and read by the benchmark.
 */

export type RequestKind =
  'probe' | 'tag page' | 'manifest GET' | 'manifest HEAD' | 'blob GET' | 'token' | 'redirect';

const KINDS: RequestKind[] = [
  'probe',
  'token',
  'tag page',
  'manifest HEAD',
  'manifest GET',
  'blob GET',
  'redirect',
];

export class RequestStats {
  readonly requests = new Map<RequestKind, number>(KINDS.map((k) => [k, 0]));
  /** Every request that went on the wire, retries included (counted by an interceptor). */
  attempts = 0;
  /** Tags whose date came from the cache. */
  cacheHits = 0;
  /** Tags whose digest came from the cache without asking the registry (--trust-immutable-tags). */
  trustedTags = 0;

  count(kind: RequestKind): void {
    this.requests.set(kind, (this.requests.get(kind) ?? 0) + 1);
  }

  get retries(): number {
    return Math.max(0, this.attempts - this.total);
  }

  get total(): number {
    let n = 0;
    for (const v of this.requests.values()) n += v;
    return n;
  }

  /** One line, e.g. `1211 registry requests (1 probe, 10 tag page, 600 manifest GET, …), …`. */
  summary(): string {
    const parts = KINDS.filter((k) => (this.requests.get(k) ?? 0) > 0).map(
      (k) => `${this.requests.get(k)} ${k}`,
    );
    const extra = [`${this.retries} retries`, `${this.cacheHits} dates from cache`];
    if (this.trustedTags > 0) extra.push(`${this.trustedTags} tags trusted without a request`);
    return `${this.total} registry requests (${parts.join(', ') || 'none'}), ${extra.join(', ')}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      total: this.total,
      byKind: Object.fromEntries(this.requests),
      retries: this.retries,
      cacheHits: this.cacheHits,
      trustedTags: this.trustedTags,
    };
  }
}
