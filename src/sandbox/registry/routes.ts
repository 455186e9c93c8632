/**
 * The routes of distribution's v2 router, matched on the decoded path in its order (base, catalog,
 * tags, manifest, blob, upload, upload chunk). Names follow reference.NameRegexp: an optional
 * domain (upper case allowed, port allowed) before the first `/`, then lower-case components.
 * Matched segment by segment rather than with one big expression: Go's regexps are linear, and a
 * JavaScript transcription of the name pattern backtracks exponentially on a long bad path.
 */

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'upload'; name: string }
  | { kind: 'uploadChunk'; name: string; uuid: string };

/** Methods each route answers; anything else is the router's 405 with this Allow list. */
export const ROUTE_METHODS: Record<Route['kind'], readonly string[] | 'any'> = {
  base: 'any',
  catalog: ['GET'],
  tags: ['GET'],
  manifest: ['DELETE', 'GET', 'HEAD', 'PUT'],
  blob: ['DELETE', 'GET', 'HEAD'],
  // One dispatcher serves both upload routes in distribution, so they answer the same methods.
  upload: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'],
  uploadChunk: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'],
};

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const UUID = /^[a-zA-Z0-9-_.=]+$/;

function isDomain(segment: string): boolean {
  const port = /:[0-9]+$/.exec(segment);
  const host = port ? segment.slice(0, port.index) : segment;
  return host.split('.').every((label) => DOMAIN_LABEL.test(label));
}

export function isRepositoryName(name: string): boolean {
  const parts = name.split('/');
  return parts.every(
    (part, i) => NAME_COMPONENT.test(part) || (i === 0 && parts.length > 1 && isDomain(part)),
  );
}

export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** The route of a decoded, clean path, or undefined for the router's plain-text 404. */
export function matchRoute(path: string): Route | undefined {
  if (!path.startsWith('/v2/')) return undefined;
  const rest = path.slice('/v2/'.length);
  if (rest === '') return { kind: 'base' };
  if (rest === '_catalog') return { kind: 'catalog' };
  const segments = rest.split('/');
  const n = segments.length;
  const nameOf = (drop: number): string | undefined => {
    if (n - drop < 1) return undefined;
    const name = segments.slice(0, n - drop).join('/');
    return isRepositoryName(name) ? name : undefined;
  };
  const last = segments[n - 1] ?? '';
  const second = segments[n - 2];
  const third = segments[n - 3];

  if (second === 'tags' && last === 'list') {
    const name = nameOf(2);
    if (name) return { kind: 'tags', name };
  }
  if (second === 'manifests' && (TAG.test(last) || DIGEST.test(last))) {
    const name = nameOf(2);
    if (name) return { kind: 'manifest', name, reference: last };
  }
  if (second === 'blobs' && DIGEST.test(last)) {
    const name = nameOf(2);
    if (name) return { kind: 'blob', name, digest: last };
  }
  if (third === 'blobs' && second === 'uploads' && last === '') {
    const name = nameOf(3);
    if (name) return { kind: 'upload', name };
  }
  if (third === 'blobs' && second === 'uploads' && UUID.test(last)) {
    const name = nameOf(3);
    if (name) return { kind: 'uploadChunk', name, uuid: last };
  }
  return undefined;
}
