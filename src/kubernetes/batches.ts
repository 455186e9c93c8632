/**
 * The containers of one object that a rollout changes go out as one patch, so the object rolls
 * out once (a Deployment running api and billing is not restarted twice) and every container's
 * change is the same template version (which ownership is judged by). The rollout says which
 * workloads it is working on (begin, end); a change of an object waits until every workload of
 * that object in work has asked for its own change or ended without one. Pure: no I/O.
 */
export class ObjectBatches<C, R> {
  /** Per object: the workloads begun that have neither asked for a change nor ended. */
  private readonly working = new Map<string, Set<string>>();
  private readonly pending = new Map<
    string,
    { changes: C[]; result: Promise<R>; settle: (send: () => Promise<R>) => void }
  >();

  constructor(private readonly send: (object: string, changes: C[]) => Promise<R>) {}

  begin(object: string, workload: string): void {
    const set = this.working.get(object) ?? new Set<string>();
    set.add(workload);
    this.working.set(object, set);
  }

  end(object: string, workload: string): void {
    this.working.get(object)?.delete(workload);
    this.flush(object);
  }

  /** Resolves with what sending the object's batch resolves with. */
  add(object: string, workload: string, change: C): Promise<R> {
    this.working.get(object)?.delete(workload);
    let batch = this.pending.get(object);
    if (!batch) {
      let settle!: (send: () => Promise<R>) => void;
      const result = new Promise<R>((resolve, reject) => {
        settle = (send) => send().then(resolve, reject);
      });
      batch = { changes: [], result, settle };
      this.pending.set(object, batch);
    }
    batch.changes.push(change);
    const { result } = batch;
    this.flush(object);
    return result;
  }

  private flush(object: string): void {
    if (this.working.get(object)?.size) return;
    this.working.delete(object);
    const batch = this.pending.get(object);
    if (!batch) return;
    this.pending.delete(object);
    batch.settle(() => this.send(object, batch.changes));
  }
}
