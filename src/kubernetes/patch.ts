import type { ContainerRef } from './workloads';

/**
 * The JSON patch (RFC 6902) of a rollback: for each container a `test` of its name and of the image
 * it runs now, then the new image; and the change-cause annotation. A failed test is a 422 that
 * changes nothing: someone changed the workload since it was read, and it is not overwritten. Pure.
 */

export interface ContainerChange {
  ref: ContainerRef;
  /** The image it runs now as read; the patch is refused when it runs anything else. */
  from?: string;
  to: string;
}

/** `/` and `~` in a JSON pointer segment (the annotation's key has a `/`). */
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export function imagePatch(
  changes: readonly ContainerChange[],
  changeCause: string,
  hasAnnotations: boolean,
): unknown[] {
  const ops: unknown[] = [];
  for (const { ref, from, to } of changes) {
    const base = `/spec/template/spec/${ref.init ? 'initContainers' : 'containers'}/${ref.index}`;
    ops.push({ op: 'test', path: `${base}/name`, value: ref.container });
    if (from !== undefined) ops.push({ op: 'test', path: `${base}/image`, value: from });
    ops.push({ op: 'replace', path: `${base}/image`, value: to });
  }
  // `add` replaces an existing member. A Deployment always has annotations (its controller writes
  // the revision there); a StatefulSet may have none, and then the map is created.
  ops.push(
    hasAnnotations
      ? {
          op: 'add',
          path: `/metadata/annotations/${escape('kubernetes.io/change-cause')}`,
          value: changeCause,
        }
      : { op: 'add', path: '/metadata/annotations', value: { 'kubernetes.io/change-cause': changeCause } },
  );
  return ops;
}
