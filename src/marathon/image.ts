/**
 * Docker image references as Marathon apps carry them (`container.docker.image`):
 * `[host[:port]/]path[:tag][@digest]`. A rollback must decide exactly which apps run a repository
 * and rewrite only the tag, so the parsing follows the distribution reference grammar rather than
 * splitting on the first colon (`localhost:5000/shop/api` has a port, not a tag).
 */

export interface ImageReference {
  /** Registry host as written (`registry.example.com:5000`), absent for Docker Hub short names. */
  domain?: string;
  /** Repository path as written, e.g. `shop/api` or `python`. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DOMAIN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:]+\](?::\d+)?$/;
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parse a reference; undefined when it is not a valid Docker image reference. */
export function parseImageReference(reference: string): ImageReference | undefined {
  let rest = reference.trim();
  if (rest === '' || rest !== reference) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  let domain: string | undefined;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    // Docker's rule (splitDockerDomain): a first component with a dot, a port, uppercase letters
    // or `localhost` is a registry host; anything else is the start of a Docker Hub path.
    if (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) return undefined;
      domain = first;
      rest = rest.slice(firstSlash + 1);
    }
  }
  if (!rest.split('/').every((c) => COMPONENT.test(c))) return undefined;
  return {
    ...(domain ? { domain } : {}),
    path: rest,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.domain ? ref.domain + '/' : ''}${ref.path}${ref.tag ? ':' + ref.tag : ''}${ref.digest ? '@' + ref.digest : ''}`;
}

/**
 * Whether `image` is an image of `repository` (a registry repository name such as `shop/api`).
 * The registry host and the tag do not matter; the path must be equal as a whole, so `shop/api`
 * never matches `shop/gateway-api` or `shop/api/worker`. Docker Hub official images are written
 * `python` in an app but listed as `library/python` by the registry.
 */
export function isImageOf(image: string, repository: string): boolean {
  const ref = parseImageReference(image);
  return ref !== undefined && isReferenceOf(ref, repository);
}

/** isImageOf for a reference parsed once: a plan matches every app with every repository. */
export function isReferenceOf(ref: ImageReference, repository: string): boolean {
  if (ref.path === repository) return true;
  const onHub = ref.domain === undefined || DOCKER_HUB.has(ref.domain.toLowerCase());
  return onHub && !ref.path.includes('/') && repository === `library/${ref.path}`;
}

/**
 * The reference an app gets after the rollback: its own registry host and repository path, the
 * target tag, and with `digest` the tag pinned (`tag@sha256:...`) so a re-pushed tag cannot
 * change what runs. A digest of the old image is never carried over.
 */
export function withTag(image: string, tag: string, digest?: string): string {
  const ref = parseImageReference(image);
  if (!ref) throw new RangeError(`not a Docker image reference: ${image}`);
  return formatImageReference({ domain: ref.domain, path: ref.path, tag, digest });
}

/** The short form shown in tables: `tag`, `tag@sha256:0123456789ab`, or the reference itself. */
export function displayVersion(image: string): string {
  const ref = parseImageReference(image);
  if (!ref) return image;
  const digest = ref.digest ? `@${ref.digest.slice(0, ref.digest.indexOf(':') + 13)}` : '';
  // Docker pulls `latest` for a bare name, but a bare digest is just that digest.
  return `${ref.tag ?? (digest ? '' : 'latest')}${digest}`;
}
