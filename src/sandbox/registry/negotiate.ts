import { MediaType } from '../image-builder';
import { registryError } from './errors';
import { bareMediaType, type StoredManifest } from './manifest';

/**
 * Which manifest a GET/HEAD returns for an Accept header, following distribution 2.8.2's
 * GetManifest (the matrix in the reference sheet's B2c):
 * - an OCI manifest or index whose type is not accepted: 404 MANIFEST_UNKNOWN, by tag and by digest;
 * - a Docker manifest list fetched by tag without the list type accepted: its linux/amd64 child
 *   (whatever the child's type), or 404 MANIFEST_UNKNOWN when there is none;
 * - everything else: the stored manifest as it is.
 *
 * One deliberate difference: where 2.8.2 converts a schema2 manifest into a signed schema1 on the
 * fly (fetched by tag, or reached through a list, without schema2 in Accept), this registry answers
 * 404 MANIFEST_UNKNOWN with a message saying so. A client that forgets schema2 in its Accept header
 * then fails here as visibly as it goes wrong against 2.8.2 (whose converted manifest has another
 * digest), instead of passing against the emulator alone.
 */

const DEFAULT_PLATFORM = { architecture: 'amd64', os: 'linux' };

export const NO_SCHEMA1_MESSAGE =
  'Docker schema 2 manifest found, but accept header does not support it; ' +
  'this registry does not convert manifests to schema 1 as distribution 2.8 does';

/** The media types of one or more Accept headers; q-values are ignored, as distribution does. */
export function parseAccept(header: string | string[] | undefined): Set<string> {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return new Set(
    values
      .flatMap((value) => value.split(','))
      .map((part) => bareMediaType(part))
      .filter(Boolean),
  );
}

export function negotiateManifest(
  stored: StoredManifest,
  request: {
    byTag: boolean;
    accept: ReadonlySet<string>;
    repository: string;
    /** A manifest of the same repository by digest. */
    lookup(digest: string): StoredManifest | undefined;
  },
): StoredManifest {
  const { accept } = request;
  if (stored.mediaType === MediaType.ociManifest && !accept.has(MediaType.ociManifest)) {
    throw registryError(
      'MANIFEST_UNKNOWN',
      undefined,
      'OCI manifest found, but accept header does not support OCI manifests',
    );
  }
  if (stored.mediaType === MediaType.ociIndex && !accept.has(MediaType.ociIndex)) {
    throw registryError(
      'MANIFEST_UNKNOWN',
      undefined,
      'OCI index found, but accept header does not support OCI indexes',
    );
  }
  if (!request.byTag) return stored;
  if (stored.mediaType === MediaType.dockerManifest && !accept.has(MediaType.dockerManifest)) {
    throw registryError('MANIFEST_UNKNOWN', undefined, NO_SCHEMA1_MESSAGE);
  }
  if (stored.mediaType === MediaType.dockerList && !accept.has(MediaType.dockerList)) {
    const entry = stored.children.find(
      (c) => c.architecture === DEFAULT_PLATFORM.architecture && c.os === DEFAULT_PLATFORM.os,
    );
    if (!entry) throw registryError('MANIFEST_UNKNOWN');
    const child = request.lookup(entry.digest);
    if (!child) {
      throw registryError('MANIFEST_UNKNOWN', { Name: request.repository, Revision: entry.digest });
    }
    if (child.mediaType === MediaType.dockerManifest && !accept.has(MediaType.dockerManifest)) {
      throw registryError('MANIFEST_UNKNOWN', undefined, NO_SCHEMA1_MESSAGE);
    }
    return child;
  }
  return stored;
}
