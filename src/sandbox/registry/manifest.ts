import { MediaType } from '../image-builder';
import { digestOf, parseDigest } from './digest';
import { registryError } from './errors';

/**
 * What distribution 2.8.2 accepts in a manifest PUT and what it remembers of it: the media type
 * comes from the Content-Type (the four schema 2 / OCI types; schema1 and anything else are
 * MANIFEST_INVALID, as 2.8.2 answers without schema1 compatibility), and must agree with the body's
 * own `mediaType` (required for the Docker types, optional for OCI).
 */

export interface StoredManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
  /** Config and layers, in distribution's References() order; empty for an index. */
  blobs: string[];
  /** The entries of an index or manifest list. */
  children: Array<{ digest: string; architecture?: string; os?: string }>;
}

export const MANIFEST_TYPES: readonly string[] = [
  MediaType.dockerManifest,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.ociIndex,
];

const INDEX_TYPES = new Set<string>([MediaType.dockerList, MediaType.ociIndex]);
const BODY_TYPE_REQUIRED = new Set<string>([MediaType.dockerManifest, MediaType.dockerList]);

/** The media type without parameters, lower case, as Go's mime.ParseMediaType leaves it. */
export function bareMediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

function invalid(why: string): never {
  // 2.8.2 sends `detail: {}` for these (its Go error values serialise to an empty object); the
  // reason goes in the message so that someone pushing by hand sees what was wrong.
  throw registryError('MANIFEST_INVALID', {}, `manifest invalid: ${why}`);
}

function descriptorDigest(value: unknown, where: string): string {
  const digest = (value as { digest?: unknown } | null)?.digest;
  if (typeof digest !== 'string' || !parseDigest(digest)) invalid(`${where} has no valid digest`);
  return digest;
}

export function parseManifest(contentType: string | undefined, body: Buffer): StoredManifest {
  const mediaType = bareMediaType(contentType);
  if (!MANIFEST_TYPES.includes(mediaType)) {
    invalid(`unsupported manifest media type "${mediaType}" (this registry stores schema 2 and OCI only)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    invalid('the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalid('the body is not an object');
  const doc = json as Record<string, unknown>;
  // 2.8.2 answers a wrong schemaVersion with 500 UNKNOWN; a client error says it better here.
  if (doc.schemaVersion !== 2) invalid('schemaVersion must be 2');
  if (doc.mediaType !== undefined || BODY_TYPE_REQUIRED.has(mediaType)) {
    if (doc.mediaType !== mediaType) invalid(`mediaType in the body is not "${mediaType}"`);
  }
  const digest = digestOf(body);
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) invalid('an index needs a "manifests" array');
    const children = (doc.manifests as unknown[]).map((entry, i) => {
      const platform = (entry as { platform?: { architecture?: unknown; os?: unknown } }).platform;
      return {
        digest: descriptorDigest(entry, `manifests[${i}]`),
        ...(typeof platform?.architecture === 'string' ? { architecture: platform.architecture } : {}),
        ...(typeof platform?.os === 'string' ? { os: platform.os } : {}),
      };
    });
    return { mediaType, digest, body, blobs: [], children };
  }
  const layers = doc.layers ?? [];
  if (!Array.isArray(layers)) invalid('"layers" must be an array');
  const blobs = [
    descriptorDigest(doc.config, 'config'),
    ...layers.map((layer, i) => descriptorDigest(layer, `layers[${i}]`)),
  ];
  return { mediaType, digest, body, blobs, children: [] };
}
