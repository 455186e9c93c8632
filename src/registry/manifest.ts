/**
 * Manifests as the registry sends them: which kind a body is, and the checked shape of each kind.
 * Pure: bytes and headers in, typed values (or a reason they are unusable) out.
 */

export const ManifestType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/**
 * All four current types, always together: without the OCI types distribution 2.8 answers 404 for
 * an OCI manifest that exists, and without schema2 it converts schema2 to schema1 on the fly
 * (another digest).
 */
export const MANIFEST_ACCEPT = [
  ManifestType.ociIndex,
  ManifestType.dockerList,
  ManifestType.ociManifest,
  ManifestType.dockerManifest,
].join(', ');

export type ManifestKind = 'index' | 'image' | 'schema1';

const KIND_OF_TYPE: Record<string, ManifestKind> = {
  [ManifestType.ociIndex]: 'index',
  [ManifestType.dockerList]: 'index',
  [ManifestType.ociManifest]: 'image',
  [ManifestType.dockerManifest]: 'image',
  [ManifestType.schema1]: 'schema1',
  [ManifestType.schema1Signed]: 'schema1',
};

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'image';
  config: Descriptor;
  annotations: Record<string, string>;
}

export interface IndexManifest {
  kind: 'index';
  manifests: Descriptor[];
  annotations: Record<string, string>;
}

export interface Schema1Manifest {
  kind: 'schema1';
  /** The `v1Compatibility` strings, top (newest) layer first. */
  v1Compatibility: string[];
  /** Where a signed manifest's payload ends (its JWS protected header): the digest covers that. */
  signed?: { formatLength: number; formatTail: string };
}

export type Manifest = ImageManifest | IndexManifest | Schema1Manifest;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `sha256:<64 hex>` and friends (OCI descriptor digest grammar). */
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function descriptor(v: unknown): Descriptor | undefined {
  if (!isObject(v) || typeof v.digest !== 'string' || !DIGEST.test(v.digest)) return undefined;
  const d: Descriptor = { digest: v.digest };
  if (typeof v.mediaType === 'string') d.mediaType = v.mediaType;
  if (typeof v.size === 'number') d.size = v.size;
  if (isObject(v.platform)) {
    const p = v.platform;
    d.platform = {
      ...(typeof p.architecture === 'string' ? { architecture: p.architecture } : {}),
      ...(typeof p.os === 'string' ? { os: p.os } : {}),
      ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
    };
  }
  if (v.annotations !== undefined) d.annotations = stringMap(v.annotations);
  return d;
}

/** The media type without parameters (`; charset=utf-8`), lower-cased. */
export function bareMediaType(contentType: unknown): string {
  return typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '';
}

/**
 * Decide the kind from Content-Type, then the body's `mediaType`, then its shape (`manifests[]` is
 * an index, `config` an image, `fsLayers`/`history` schema1), and check the fields we rely on.
 */
export function parseManifest(body: Buffer, contentType: unknown): ParseResult<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the manifest is not JSON' };
  }
  if (!isObject(json)) return { ok: false, reason: 'the manifest is not a JSON object' };

  const byHeader = KIND_OF_TYPE[bareMediaType(contentType)];
  const bodyType = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const byBody = bodyType === undefined ? undefined : KIND_OF_TYPE[bodyType];
  if (byHeader && byBody && byHeader !== byBody) {
    // The spec says to reject a body whose mediaType disagrees with the Content-Type.
    return {
      ok: false,
      reason: `the registry sent Content-Type ${bareMediaType(contentType)} with a ${bodyType} body`,
    };
  }
  const byShape: ManifestKind | undefined = Array.isArray(json.manifests)
    ? 'index'
    : json.config !== undefined
      ? 'image'
      : Array.isArray(json.history) || Array.isArray(json.fsLayers)
        ? 'schema1'
        : undefined;
  const kind = byHeader ?? byBody ?? byShape;
  if (!kind) {
    return {
      ok: false,
      reason: `unsupported manifest type ${bodyType ?? (bareMediaType(contentType) || '(none given)')}`,
    };
  }
  // Schema1 is what the body says it is, whatever the Content-Type: a schema1 manifest's digest is
  // checked another way, so a header must not be able to make any other manifest pass for one.
  if ((kind === 'schema1') !== (json.schemaVersion === 1)) {
    return {
      ok: false,
      reason: `the registry sent ${kind === 'image' ? 'an image' : `a ${kind}`} manifest with schemaVersion ${JSON.stringify(json.schemaVersion ?? null)}`,
    };
  }

  switch (kind) {
    case 'image': {
      const config = descriptor(json.config);
      if (!config) return { ok: false, reason: 'the image manifest has no valid config descriptor' };
      return { ok: true, value: { kind, config, annotations: stringMap(json.annotations) } };
    }
    case 'index': {
      if (!Array.isArray(json.manifests)) return { ok: false, reason: 'the index has no manifests list' };
      const manifests = json.manifests.map(descriptor);
      if (manifests.some((d) => d === undefined)) {
        return { ok: false, reason: 'the index has an entry without a valid digest' };
      }
      return {
        ok: true,
        value: { kind, manifests: manifests as Descriptor[], annotations: stringMap(json.annotations) },
      };
    }
    case 'schema1': {
      const history = Array.isArray(json.history) ? json.history : [];
      const v1Compatibility = history
        .map((h) => (isObject(h) && typeof h.v1Compatibility === 'string' ? h.v1Compatibility : undefined))
        .filter((s): s is string => s !== undefined);
      if (!Array.isArray(json.signatures) || json.signatures.length === 0) {
        return { ok: true, value: { kind, v1Compatibility } };
      }
      const signed = jwsFormat(json.signatures[0]);
      if (!signed)
        return { ok: false, reason: 'the signed schema1 manifest has no readable protected header' };
      return { ok: true, value: { kind, v1Compatibility, signed } };
    }
  }
}

/** `formatLength` and `formatTail` of a libtrust JWS signature's protected header. */
function jwsFormat(signature: unknown): Schema1Manifest['signed'] {
  if (!isObject(signature) || typeof signature.protected !== 'string') return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(signature.protected, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(header)) return undefined;
  const { formatLength, formatTail } = header;
  if (typeof formatLength !== 'number' || !Number.isInteger(formatLength) || formatLength < 0)
    return undefined;
  if (typeof formatTail !== 'string') return undefined;
  return { formatLength, formatTail };
}

const ATTESTATION = 'attestation-manifest';

/**
 * The child of an index to date: attestation entries (BuildKit provenance/SBOM) and
 * `unknown/unknown` platforms are skipped; linux/amd64 is preferred (an entry without a platform
 * counts as linux/amd64, as in go-containerregistry), else the first remaining entry.
 */
export function pickPlatformChild(index: IndexManifest): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (d) =>
      d.annotations?.['vnd.docker.reference.type'] !== ATTESTATION &&
      !(d.platform?.os === 'unknown' || d.platform?.architecture === 'unknown'),
  );
  const amd64 = candidates.find(
    (d) => !d.platform || (d.platform.os === 'linux' && d.platform.architecture === 'amd64'),
  );
  return amd64 ?? candidates[0];
}

/** The parts of an image config that carry dates. */
export interface ImageConfig {
  created?: unknown;
  labels: Record<string, string>;
}

export function parseImageConfig(body: Buffer): ParseResult<ImageConfig> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the image config is not JSON' };
  }
  if (!isObject(json)) return { ok: false, reason: 'the image config is not a JSON object' };
  const inner = isObject(json.config) ? json.config : {};
  return { ok: true, value: { created: json.created, labels: stringMap(inner.Labels) } };
}
