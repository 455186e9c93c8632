import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/sandbox/registry';
import { buildImage, buildIndex, type BuiltManifest } from '../../src/sandbox/image-builder';

/**
 * The large world of the load test and the benchmark: many repositories with many tags of one
 * environment, seeded in memory into the embedded registry (pushing 60,000 images over HTTP would
 * take minutes). Images come in the four shapes `get` meets, in a fixed rotation, so the number of
 * requests a cold `get` must send follows from the world by discover.ts's documented pattern:
 *
 * - a schema2 image, dated by its config:        manifest GET + config blob GET
 * - an OCI image dated by its annotation:        manifest GET
 * - an OCI image dated by its config:            manifest GET + config blob GET
 * - an OCI index over one amd64 image:           index GET + image manifest GET + config blob GET
 *
 * plus one probe and one tag page per repository (the embedded registry honours `n=1000`).
 *
 * Each image is promoted through the environments: `1.7.0-develop`, `1.7.0-stage`, ... all name
 * the same manifest, as a release pipeline that promotes by re-tagging leaves them. `get` lists
 * every tag and dates only those of its environment, so the tags of the others cost nothing but
 * their share of the tag list.
 */

export type ImageShape = 'schema2' | 'oci-annotated' | 'oci' | 'oci-index';

/** Half schema2, as most registries still hold; the rest spread over the OCI shapes. */
const ROTATION: readonly ImageShape[] = [
  'schema2',
  'oci-annotated',
  'schema2',
  'oci',
  'schema2',
  'oci-index',
  'schema2',
  'oci-annotated',
];

const REQUESTS_PER_SHAPE: Record<ImageShape, { manifests: number; blobs: number }> = {
  schema2: { manifests: 1, blobs: 1 },
  'oci-annotated': { manifests: 1, blobs: 0 },
  oci: { manifests: 1, blobs: 1 },
  'oci-index': { manifests: 2, blobs: 1 },
};

/** The environment `get` asks for; every image also carries the tags of the others. */
export const LOAD_ENVIRONMENT = 'develop';
export const DEFAULT_ENVIRONMENTS: readonly string[] = [LOAD_ENVIRONMENT, 'qa', 'stage', 'prod'];
const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1, 6);

export interface LoadImage {
  /** The tag of LOAD_ENVIRONMENT. */
  tag: string;
  created: string;
  shape: ImageShape;
}

export interface LoadWorldSpec {
  repositories: number;
  /** Tags per repository, over every environment: images per repository x environments. */
  tagsPerRepository: number;
  /** Default DEFAULT_ENVIRONMENTS; [LOAD_ENVIRONMENT] makes every tag one to date. */
  environments?: readonly string[];
}

export interface ExpectedRequests {
  probe: number;
  tagPages: number;
  manifests: number;
  blobs: number;
  total: number;
}

export interface LoadWorld {
  registry: EmbeddedRegistry;
  repositories: string[];
  /** Tags in the registry, over every environment. */
  tags: number;
  /** Every image of a repository, in push order, with its LOAD_ENVIRONMENT tag and digest. */
  imagesOf(repository: string): Array<LoadImage & { digest: string }>;
  /** What a cold `get --no-cache` of every repository must send. */
  expectedRequests: ExpectedRequests;
  stop(): Promise<void>;
}

export const loadRepository = (r: number) => `load/service-${String(r).padStart(3, '0')}`;

/**
 * Tag i of repository r. Version order and date order disagree (`1.10.0` is not newer than
 * `1.9.0` by name), and repositories release on different days.
 */
export function loadImage(r: number, i: number, images: number): LoadImage {
  const day = (i * 37 + r * 11) % (images * 2);
  return {
    tag: `1.${i}.0-${LOAD_ENVIRONMENT}`,
    created: new Date(BASE + day * DAY + (r % 600) * 60_000 + i * 1000).toISOString(),
    shape: ROTATION[(i + r) % ROTATION.length]!,
  };
}

function build(repository: string, image: LoadImage): BuiltManifest {
  const marker = `${repository}:${image.tag}`;
  switch (image.shape) {
    case 'schema2':
      return buildImage({ kind: 'schema2', marker, created: image.created });
    case 'oci-annotated':
      return buildImage({ kind: 'oci', marker, annotation: image.created });
    case 'oci':
      return buildImage({ kind: 'oci', marker, created: image.created });
    case 'oci-index':
      return buildIndex({
        kind: 'oci-index',
        children: [
          {
            image: buildImage({ kind: 'oci', marker, created: image.created }),
            platform: { architecture: 'amd64', os: 'linux' },
          },
        ],
      });
  }
}

export function expectedRequestsFor(images: ReadonlyArray<readonly LoadImage[]>): ExpectedRequests {
  let manifests = 0;
  let blobs = 0;
  for (const repo of images) {
    for (const image of repo) {
      manifests += REQUESTS_PER_SHAPE[image.shape].manifests;
      blobs += REQUESTS_PER_SHAPE[image.shape].blobs;
    }
  }
  const probe = 1;
  const tagPages = images.length;
  return { probe, tagPages, manifests, blobs, total: probe + tagPages + manifests + blobs };
}

export async function startLoadWorld(spec: LoadWorldSpec): Promise<LoadWorld> {
  const environments = spec.environments ?? DEFAULT_ENVIRONMENTS;
  if (spec.tagsPerRepository % environments.length !== 0) {
    throw new RangeError(
      `${spec.tagsPerRepository} tags do not split evenly over ${environments.length} environments`,
    );
  }
  const perRepository = spec.tagsPerRepository / environments.length;
  const registry = await startEmbeddedRegistry();
  const repositories = Array.from({ length: spec.repositories }, (_, r) => loadRepository(r));
  const images = repositories.map((repository, r) =>
    Array.from({ length: perRepository }, (_, i) => {
      const image = loadImage(r, i, perRepository);
      const built = build(repository, image);
      const version = image.tag.slice(0, -`-${LOAD_ENVIRONMENT}`.length);
      for (const env of environments) registry.seed(repository, `${version}-${env}`, built);
      return { ...image, digest: built.digest };
    }),
  );
  return {
    registry,
    repositories,
    tags: spec.repositories * spec.tagsPerRepository,
    imagesOf: (repository) => images[repositories.indexOf(repository)] ?? [],
    expectedRequests: expectedRequestsFor(images),
    stop: () => registry.stop(),
  };
}
