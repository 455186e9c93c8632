import { createHash } from 'node:crypto';
import type { Manifest, ParseResult } from './manifest';

/**
 * What content must hash to. Manifests and blobs are addressed by digest, so an answer that does
 * not match its digest was altered on the way (or the registry is broken): it must not be used,
 * and nothing learnt from it may be cached under that digest.
 */

const HASHES: Record<string, string> = { sha256: 'sha256', sha512: 'sha512' };

/** True when `content` has `digest`; algorithms we cannot compute pass (nothing to compare with). */
export function matchesDigest(content: Buffer, digest: string): boolean {
  const [algorithm, hex] = digest.split(':');
  const hash = HASHES[algorithm ?? ''];
  if (!hash) return true;
  return createHash(hash).update(content).digest('hex') === hex;
}

export function sha256Digest(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/**
 * The bytes a manifest's digest covers: the body itself, except for a signed schema1 manifest,
 * whose digest covers its payload without the signatures. That payload is the body's first
 * `formatLength` bytes followed by `formatTail` (libtrust's JWS format, which every schema1
 * signer uses; distribution computes the digest the same way).
 */
export function digestedBytes(body: Buffer, manifest: ParseResult<Manifest>): Buffer {
  if (!manifest.ok || manifest.value.kind !== 'schema1' || !manifest.value.signed) return body;
  const { formatLength, formatTail } = manifest.value.signed;
  return Buffer.concat([body.subarray(0, formatLength), Buffer.from(formatTail, 'base64url')]);
}
