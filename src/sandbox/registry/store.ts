import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { BuiltManifest } from '../image-builder';
import { digestOf, parseDigest } from './digest';
import { RegistryApiError, entry, registryError } from './errors';
import { parseManifest, type StoredManifest } from './manifest';
import { isRepositoryName, isTag } from './routes';

/**
 * The registry's content, in memory: blobs by digest, and per repository the blobs linked to it,
 * its manifests by digest and its tags. Mirrors distribution's storage rules: a blob is visible
 * only in the repositories it was pushed or mounted to; a manifest PUT needs every blob and child
 * it references in the same repository; deleting a manifest removes the tags that point at it; a
 * repository is known to tags/list once it has had a tag, and lists `tags: null` once it has none.
 *
 * Tag order is never sorted (2.8.2 returns directory order): 'hashed' orders by a hash of the name,
 * like a hashed directory, so neither name nor push order shows through; 'insertion' keeps push
 * order. Pagination follows distribution v3: at most `n` tags after `last` in that order, with a
 * next link while more remain.
 */

export type TagOrder = 'hashed' | 'insertion';

export interface TagPage {
  /** null when the repository has no tags left, as 2.8.2 answers. */
  tags: string[] | null;
  /** Query of the next page (`last`, `n`) when more tags remain. */
  next?: { last: string; n: number };
}

export interface CatalogPage {
  repositories: string[];
  next?: { last: string; n: number };
}

interface Repository {
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
  /** Push sequence of every tag ever created, kept after deletion so that `last` keeps its place. */
  sequence: Map<string, number>;
  /** Has had a tag: distribution's tags directory exists. */
  tagged: boolean;
}

interface Upload {
  repository: string;
  chunks: Buffer[];
  size: number;
  /** The opaque `_state` of the latest Location handed out; an older one is refused. */
  state: string;
}

/** Catalog page size when the client gives no `n` (distribution 2.8's default). */
const CATALOG_DEFAULT_ENTRIES = 100;

export class RegistryStore {
  private readonly content = new Map<string, Buffer>();
  private readonly repositories = new Map<string, Repository>();
  private readonly uploads = new Map<string, Upload>();
  private sequence = 0;

  constructor(private readonly options: { tagOrder: TagOrder; pageSize?: number }) {}

  private repository(name: string): Repository {
    let repo = this.repositories.get(name);
    if (!repo) {
      repo = { blobs: new Set(), manifests: new Map(), tags: new Map(), sequence: new Map(), tagged: false };
      this.repositories.set(name, repo);
    }
    return repo;
  }

  // ---- blobs -------------------------------------------------------------------------------

  getBlob(name: string, digest: string): { digest: string; data: Buffer } {
    if (!parseDigest(digest)) throw registryError('DIGEST_INVALID', {});
    const data = this.repositories.get(name)?.blobs.has(digest) ? this.content.get(digest) : undefined;
    if (!data) throw registryError('BLOB_UNKNOWN', digest);
    return { digest, data };
  }

  deleteBlob(name: string, digest: string): void {
    if (!parseDigest(digest)) throw registryError('DIGEST_INVALID', {});
    if (!this.repositories.get(name)?.blobs.delete(digest)) throw registryError('BLOB_UNKNOWN');
  }

  /** Cross-repository mount; false when `from` does not have the blob (the client then uploads). */
  mountBlob(name: string, digest: string, from: string): boolean {
    if (!parseDigest(digest) || !this.repositories.get(from)?.blobs.has(digest)) return false;
    this.repository(name).blobs.add(digest);
    return true;
  }

  private linkBlob(name: string, digest: string, data: Buffer): void {
    this.content.set(digest, data);
    this.repository(name).blobs.add(digest);
  }

  // ---- uploads -----------------------------------------------------------------------------

  startUpload(name: string): { uuid: string; state: string; size: number } {
    const uuid = randomUUID();
    const upload: Upload = { repository: name, chunks: [], size: 0, state: newState() };
    this.uploads.set(uuid, upload);
    return { uuid, state: upload.state, size: 0 };
  }

  private upload(name: string, uuid: string, state: string | null): Upload {
    const upload = this.uploads.get(uuid);
    // 2.8.2 answers a missing, stale or foreign _state with 404 BLOB_UPLOAD_INVALID and `detail: {}`.
    if (!upload || upload.repository !== name || upload.state !== state) {
      throw registryError('BLOB_UPLOAD_INVALID', {});
    }
    return upload;
  }

  uploadStatus(
    name: string,
    uuid: string,
    state: string | null,
  ): { uuid: string; state: string; size: number } {
    const upload = this.upload(name, uuid, state);
    return { uuid, state: upload.state, size: upload.size };
  }

  appendUpload(
    name: string,
    uuid: string,
    state: string | null,
    chunk: Buffer,
  ): { uuid: string; state: string; size: number } {
    const upload = this.upload(name, uuid, state);
    upload.chunks.push(chunk);
    upload.size += chunk.length;
    upload.state = newState();
    return { uuid, state: upload.state, size: upload.size };
  }

  cancelUpload(name: string, uuid: string, state: string | null): void {
    this.upload(name, uuid, state);
    this.uploads.delete(uuid);
  }

  /** The closing PUT: the last chunk (possibly empty) and the digest the content must have. */
  finishUpload(
    name: string,
    uuid: string,
    state: string | null,
    digest: string | null,
    chunk: Buffer,
  ): string {
    const upload = this.upload(name, uuid, state);
    if (!digest) throw registryError('DIGEST_INVALID', 'digest missing');
    const parsed = parseDigest(digest);
    if (!parsed) throw registryError('DIGEST_INVALID', 'digest parsing failed');
    const data = Buffer.concat([...upload.chunks, chunk]);
    if (digestOf(data, parsed.algorithm) !== digest) {
      throw registryError('DIGEST_INVALID', { Digest: digest, Reason: {} });
    }
    this.uploads.delete(uuid);
    this.linkBlob(name, digest, data);
    return digest;
  }

  // ---- manifests ---------------------------------------------------------------------------

  putManifest(
    name: string,
    reference: string,
    contentType: string | undefined,
    body: Buffer,
  ): StoredManifest {
    const manifest = parseManifest(contentType, body);
    const byDigest = parseDigest(reference) !== undefined;
    if (byDigest && manifest.digest !== reference) throw registryError('DIGEST_INVALID');
    if (!byDigest && !isTag(reference)) throw registryError('TAG_INVALID', 'no tag or digest specified');
    const repo = this.repository(name);
    const missing = [
      ...manifest.blobs.filter((d) => !repo.blobs.has(d)),
      ...manifest.children.map((c) => c.digest).filter((d) => !repo.manifests.has(d)),
    ];
    if (missing.length > 0) {
      throw new RegistryApiError(missing.map((d) => entry('MANIFEST_BLOB_UNKNOWN', d)));
    }
    repo.manifests.set(manifest.digest, manifest);
    if (!byDigest) {
      repo.tags.set(reference, manifest.digest);
      if (!repo.sequence.has(reference)) repo.sequence.set(reference, this.sequence++);
      repo.tagged = true;
    }
    return manifest;
  }

  /** The manifest a tag or digest names, before any Accept negotiation. */
  resolveManifest(name: string, reference: string): { manifest: StoredManifest; byTag: boolean } {
    const repo = this.repositories.get(name);
    if (parseDigest(reference)) {
      const manifest = repo?.manifests.get(reference);
      if (!manifest) throw registryError('MANIFEST_UNKNOWN', { Name: name, Revision: reference });
      return { manifest, byTag: false };
    }
    // A reference that is not a valid digest is a tag, as in distribution's dispatcher (where a
    // digest-looking tag then fails in the storage driver with 500 UNKNOWN).
    const digest = repo?.tags.get(reference);
    const manifest = digest === undefined ? undefined : repo?.manifests.get(digest);
    if (!manifest) throw registryError('MANIFEST_UNKNOWN', { Tag: reference });
    return { manifest, byTag: true };
  }

  manifest(name: string, digest: string): StoredManifest | undefined {
    return this.repositories.get(name)?.manifests.get(digest);
  }

  /** By digest only (2.8.2 answers DIGEST_INVALID for a tag); untags everything that pointed at it. */
  deleteManifest(name: string, reference: string): void {
    if (!parseDigest(reference)) throw registryError('DIGEST_INVALID');
    const repo = this.repositories.get(name);
    if (!repo?.manifests.delete(reference)) throw registryError('MANIFEST_UNKNOWN');
    for (const [tag, digest] of repo.tags) if (digest === reference) repo.tags.delete(tag);
  }

  /** Store a built image (children and blobs first) under a tag, through the same checks as a push. */
  seed(name: string, tag: string, built: BuiltManifest): string {
    if (!isRepositoryName(name)) throw new Error(`"${name}" is not a valid repository name`);
    if (!isTag(tag)) throw new Error(`"${tag}" is not a valid tag`);
    this.seedManifest(name, tag, built);
    return built.digest;
  }

  private seedManifest(name: string, reference: string, built: BuiltManifest): void {
    for (const child of built.children) this.seedManifest(name, child.digest, child);
    for (const [digest, data] of built.blobs) {
      if (digestOf(data, parseDigest(digest)?.algorithm) !== digest) {
        throw new Error(`blob ${digest} of ${name}:${reference} does not match its content`);
      }
      this.linkBlob(name, digest, data);
    }
    this.putManifest(name, reference, built.mediaType, built.body);
  }

  // ---- listings ----------------------------------------------------------------------------

  /**
   * One page of tags/list. `n` and `last` as distribution v3 takes them; without `n` every tag,
   * unless the store has a page size, which also caps `n` (a page may hold fewer than asked).
   */
  listTags(name: string, query: { n: string | null; last: string | null }): TagPage {
    const limit = this.pageLimit(query.n);
    const repo = this.repositories.get(name);
    if (!repo?.tagged) throw registryError('NAME_UNKNOWN', { name });
    if (repo.tags.size === 0) return { tags: null };
    const keyed = [...repo.tags.keys()].map((tag) => ({ tag, key: this.orderKey(repo, tag) }));
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    const lastKey = query.last === null ? undefined : this.orderKey(repo, query.last);
    const after = keyed
      .filter((t) => lastKey === undefined || compareKeys(t.key, lastKey) > 0)
      .map((t) => t.tag);
    const { page, next } = paginate(after, limit);
    return next ? { tags: page, next } : { tags: page };
  }

  catalog(query: { n: string | null; last: string | null }): CatalogPage {
    const parsed = query.n === null ? NaN : Number.parseInt(query.n, 10);
    const limit = Number.isInteger(parsed) && parsed >= 0 ? parsed : CATALOG_DEFAULT_ENTRIES;
    const names = [...this.repositories]
      .filter(([, repo]) => repo.manifests.size > 0)
      .map(([repoName]) => repoName)
      .sort()
      .filter((repoName) => query.last === null || repoName > query.last);
    const { page, next } = paginate(names, limit);
    return next ? { repositories: page, next } : { repositories: page };
  }

  private pageLimit(n: string | null): number {
    const pageSize = this.options.pageSize;
    if (n === null) return pageSize ?? -1;
    // Go's strconv.Atoi: an unparsable n reads as 0 in the error detail.
    const integer = /^[+-]?\d+$/.test(n);
    const parsed = integer ? Number(n) : 0;
    if (!integer || parsed < 0) throw registryError('PAGINATION_NUMBER_INVALID', { n: parsed });
    return pageSize === undefined ? parsed : Math.min(parsed, pageSize);
  }

  private orderKey(repo: Repository, tag: string): string | number {
    if (this.options.tagOrder === 'insertion') return repo.sequence.get(tag) ?? Number.POSITIVE_INFINITY;
    return createHash('sha256').update(tag).digest('hex');
  }
}

function compareKeys(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** At most `limit` entries (all when negative), and where the next page starts when more remain. */
function paginate(entries: string[], limit: number): { page: string[]; next?: { last: string; n: number } } {
  if (limit < 0 || entries.length <= limit) return { page: entries };
  const page = entries.slice(0, limit);
  const last = page[page.length - 1];
  return last === undefined ? { page } : { page, next: { last, n: limit } };
}

function newState(): string {
  return randomBytes(24).toString('base64url');
}
