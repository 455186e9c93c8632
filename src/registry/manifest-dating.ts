import type { RegistryClient } from './client';
import { dateImage, dateSchema1, isDated, type Dating } from './dating';
import {
  parseImageConfig,
  pickPlatformChild,
  type ImageConfig,
  type Manifest,
  type ParseResult,
} from './manifest';

/**
 * The date of one manifest as the registry serves it: an image's from its annotations or its
 * config, an index's from the platform image it stands for, schema1's from its layers. Each
 * answer it reads was checked against its digest by the client, so what it finds may be cached
 * under that digest (when `cacheable`).
 */

export interface Outcome {
  dating: Dating;
  /** False when the reason is the registry's state now (a missing blob), not the content. */
  cacheable: boolean;
}

export type ManifestDater = (repository: string, fetched: ParseResult<Manifest>) => Promise<Outcome>;

export function manifestDater(client: RegistryClient): ManifestDater {
  const configs = new Map<string, Promise<ParseResult<ImageConfig> | undefined>>();

  const configOf = (repository: string, digest: string) => {
    let p = configs.get(digest);
    if (!p) {
      p = client.getBlob(repository, digest).then((body) => (body ? parseImageConfig(body) : undefined));
      configs.set(digest, p);
      // Shared only while in flight: a config's date is kept under its manifest's digest, and
      // holding every parsed config (labels and all) would grow with the registry.
      const forget = () => configs.delete(digest);
      p.then(forget, forget);
    }
    return p;
  };

  const dateImageManifest = async (
    repository: string,
    manifest: Manifest,
    indexAnnotations?: Record<string, string>,
  ): Promise<Outcome> => {
    if (manifest.kind === 'schema1') {
      const dating = dateSchema1(manifest.v1Compatibility);
      return { dating, cacheable: !('provisional' in dating) };
    }
    if (manifest.kind === 'index') {
      return { dating: { reason: 'an index inside an index is not supported' }, cacheable: true };
    }
    // An annotation outranks everything in the config: when one is usable, the config request
    // is not needed (OCI images built with annotations cost one request instead of two).
    const byAnnotation = dateImage({
      manifestAnnotations: manifest.annotations,
      indexAnnotations,
      config: { labels: {} },
    });
    if (isDated(byAnnotation)) return { dating: byAnnotation, cacheable: true };
    const config = await configOf(repository, manifest.config.digest);
    if (!config) {
      return { dating: { reason: `its config blob ${manifest.config.digest} is missing` }, cacheable: false };
    }
    if (!config.ok) return { dating: { reason: config.reason }, cacheable: true };
    const dating = dateImage({
      manifestAnnotations: manifest.annotations,
      indexAnnotations,
      config: config.value,
    });
    return { dating, cacheable: !('provisional' in dating) };
  };

  const dateManifest = async (repository: string, fetched: ParseResult<Manifest>): Promise<Outcome> => {
    if (!fetched.ok) return { dating: { reason: fetched.reason }, cacheable: true };
    const manifest = fetched.value;
    if (manifest.kind !== 'index') return dateImageManifest(repository, manifest);
    const child = pickPlatformChild(manifest);
    if (!child) {
      return { dating: { reason: 'the index lists no image, only attestations' }, cacheable: true };
    }
    const got = await client.getManifest(repository, child.digest);
    if (!got) return { dating: { reason: `its image ${child.digest} is missing` }, cacheable: false };
    if (!got.manifest.ok) return { dating: { reason: got.manifest.reason }, cacheable: true };
    return dateImageManifest(repository, got.manifest.value, manifest.annotations);
  };

  return dateManifest;
}
