import type { CatalogRepository } from './catalog';
import { parseImageReference } from '../marathon/image';

/** Which registry an app pulls from, compared with the one rollback.json was read from. Pure. */

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The host name of a registry, Docker Hub's names as one. The port is left out: a registry is
 * often served on :5000 to the agents and through a TLS proxy on :443 to everyone else
 * (sameRegistry tells two explicit ports apart).
 */
export function registryHostName(hostAndPort: string | undefined): string {
  const host = (hostAndPort ?? 'docker.io').toLowerCase().replace(/:\d+$/, '');
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

const portOf = (hostAndPort: string | undefined) => /:(\d+)$/.exec(hostAndPort ?? '')?.[1];

/**
 * Whether two `host[:port]` name one registry: the same host name, and the same port unless one of
 * them names none (the agents' `registry:5000` behind the TLS proxy everyone else calls `registry`).
 * Two explicit ports on one host are two registries, e.g. a mirror beside the registry itself.
 */
export function sameRegistry(a: string | undefined, b: string | undefined): boolean {
  if (registryHostName(a) !== registryHostName(b)) return false;
  const [pa, pb] = [portOf(a), portOf(b)];
  return pa === undefined || pb === undefined || pa === pb;
}

/** Whether an image is pulled from the registry at `registry` (a base URL). */
export function isFromRegistry(image: string, registry: string): boolean {
  const ref = parseImageReference(image);
  return ref !== undefined && sameRegistry(ref.domain, new URL(registry).host);
}

/**
 * Whether an app's image plausibly comes from the registry rollback.json was read from: the same
 * host, or (for apps that pull through a mirror or another name of it) a tag or digest the catalog
 * lists. Otherwise the target tags were checked in one registry and would be pulled from another.
 */
export function fromCatalogRegistry(image: string, registry: string, repo: CatalogRepository): boolean {
  const ref = parseImageReference(image);
  if (!ref) return false;
  if (isFromRegistry(image, registry)) return true;
  const known = [...repo.images, ...repo.undated];
  return known.some(
    (i) =>
      (ref.tag !== undefined && i.tag === ref.tag) || (ref.digest !== undefined && i.digest === ref.digest),
  );
}

export const listed = (items: string[]) =>
  items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
