import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * Builds small, valid, deterministic images (layer, config, manifest) in memory, so the embedded
 * registry can be seeded and tests can push the same bytes to a real docker-registry.
 */

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

export interface BuiltManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
  /** Blobs the manifest references (config, layers), by digest. */
  blobs: Map<string, Buffer>;
  /** Child manifests an index references, pushed before the index. */
  children: BuiltManifest[];
}

export interface ImageSpec {
  kind: 'schema2' | 'oci';
  /** Config `created`; omitted when undefined. */
  created?: string;
  /** `org.opencontainers.image.created` label in the config. */
  label?: string;
  /** `org.opencontainers.image.created` manifest annotation (OCI only). */
  annotation?: string;
  architecture?: string;
  os?: string;
  /** Makes the digest unique per image, e.g. "shop/api:1.2.0-develop". */
  marker: string;
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// An empty tar archive is two 512-byte zero blocks; gzip of it is a valid layer.
const EMPTY_TAR = Buffer.alloc(1024);
const LAYER = gzipSync(EMPTY_TAR, { level: 9 });
const DIFF_ID = sha256(EMPTY_TAR);

export function buildImage(spec: ImageSpec): BuiltManifest {
  const oci = spec.kind === 'oci';
  const labels: Record<string, string> = { 'test.marker': spec.marker };
  if (spec.label !== undefined) labels[CREATED_ANNOTATION] = spec.label;
  const config = Buffer.from(
    JSON.stringify({
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      ...(spec.created !== undefined ? { created: spec.created } : {}),
      config: { Labels: labels },
      rootfs: { type: 'layers', diff_ids: [DIFF_ID] },
      history: [
        { ...(spec.created !== undefined ? { created: spec.created } : {}), created_by: 'rollback test' },
      ],
    }),
  );
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: oci ? MediaType.ociManifest : MediaType.dockerManifest,
    config: {
      mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig,
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      {
        mediaType: oci ? MediaType.ociLayer : MediaType.dockerLayer,
        size: LAYER.length,
        digest: sha256(LAYER),
      },
    ],
  };
  if (oci && spec.annotation !== undefined) manifest.annotations = { [CREATED_ANNOTATION]: spec.annotation };
  const body = Buffer.from(JSON.stringify(manifest));
  return {
    mediaType: manifest.mediaType as string,
    digest: sha256(body),
    body,
    blobs: new Map([
      [sha256(config), config],
      [sha256(LAYER), LAYER],
    ]),
    children: [],
  };
}

export interface IndexSpec {
  kind: 'oci-index' | 'docker-list';
  children: Array<{
    image: BuiltManifest;
    platform?: { architecture: string; os: string; variant?: string };
  }>;
  /** Add a BuildKit-style attestation entry (unknown/unknown) first, as buildx does. */
  attestation?: boolean;
  /** Index-level created annotation (OCI only). */
  annotation?: string;
}

export function buildIndex(spec: IndexSpec): BuiltManifest {
  const oci = spec.kind === 'oci-index';
  const entries: Array<Record<string, unknown>> = [];
  const children = spec.children.map((c) => c.image);
  if (spec.attestation) {
    const att = buildImage({ kind: 'oci', marker: `attestation-of-${children[0]?.digest ?? ''}` });
    children.unshift(att);
    entries.push({
      mediaType: att.mediaType,
      size: att.body.length,
      digest: att.digest,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': children[1]?.digest ?? '',
      },
    });
  }
  for (const c of spec.children) {
    entries.push({
      mediaType: c.image.mediaType,
      size: c.image.body.length,
      digest: c.image.digest,
      ...(c.platform ? { platform: c.platform } : {}),
    });
  }
  const index: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: oci ? MediaType.ociIndex : MediaType.dockerList,
    manifests: entries,
  };
  if (oci && spec.annotation !== undefined) index.annotations = { [CREATED_ANNOTATION]: spec.annotation };
  const body = Buffer.from(JSON.stringify(index));
  return { mediaType: index.mediaType as string, digest: sha256(body), body, blobs: new Map(), children };
}
