import type { BuiltManifest } from '../../src/sandbox/image-builder';
import { buildImage, type ImageSpec } from '../../src/sandbox/image-builder';
import { request } from './http';

/**
 * Pushes an image to any registry over the Docker Registry HTTP API (the real docker-registry and
 * the embedded one alike): blob HEAD, POST upload, PUT with digest, then the manifest by tag.
 */
export interface PushTarget {
  url: string;
  basic?: { user: string; password: string };
}

export function basicAuthHeaders(target: PushTarget): Record<string, string> {
  return target.basic
    ? {
        Authorization: `Basic ${Buffer.from(`${target.basic.user}:${target.basic.password}`).toString('base64')}`,
      }
    : {};
}

async function pushBlob(target: PushTarget, repo: string, digest: string, data: Buffer): Promise<void> {
  const headers = basicAuthHeaders(target);
  const head = await request(`${target.url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', headers });
  if (head.status === 200) return;
  const start = await request(`${target.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`blob upload start for ${repo}: ${start.status} ${start.text()}`);
  // The Location may be relative and may already carry a query (?_state=...).
  const location = new URL(String(start.headers.location ?? ''), target.url);
  location.searchParams.set('digest', digest);
  const put = await request(location, {
    method: 'PUT',
    headers: {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(data.length),
    },
    body: data,
  });
  if (put.status !== 201) throw new Error(`blob PUT for ${repo}: ${put.status} ${put.text()}`);
}

/** Push a built manifest (and its children and blobs) under `reference` (a tag or its digest). */
export async function pushManifest(
  target: PushTarget,
  repo: string,
  reference: string,
  manifest: BuiltManifest,
): Promise<string> {
  for (const child of manifest.children) await pushManifest(target, repo, child.digest, child);
  for (const [digest, data] of manifest.blobs) await pushBlob(target, repo, digest, data);
  const res = await request(`${target.url}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: {
      ...basicAuthHeaders(target),
      'Content-Type': manifest.mediaType,
      'Content-Length': String(manifest.body.length),
    },
    body: manifest.body,
  });
  if (res.status !== 201) throw new Error(`manifest PUT ${repo}:${reference}: ${res.status} ${res.text()}`);
  return manifest.digest;
}

/** Push one single-platform image; returns its manifest digest. */
export async function pushImage(
  target: PushTarget,
  repo: string,
  tag: string,
  spec: Omit<ImageSpec, 'marker'> & { marker?: string },
): Promise<string> {
  return pushManifest(target, repo, tag, buildImage({ marker: `${repo}:${tag}`, ...spec }));
}
