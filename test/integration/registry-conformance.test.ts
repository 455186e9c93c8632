import { startDockerRegistry, type RealRegistry } from '../support/docker-registry';
import { basicAuthHeaders, pushImage, pushManifest } from '../support/push-image';
import { request, type SimpleResponse } from '../support/http';
import {
  buildImage,
  buildIndex,
  MediaType,
  sha256,
  type BuiltManifest,
} from '../../src/sandbox/image-builder';
import { startEmbeddedRegistry } from '../../src/sandbox/registry';
import { NO_SCHEMA1_MESSAGE } from '../../src/sandbox/registry/negotiate';

/**
 * The same requests sent to a real docker-registry (distribution 2.8.2) and to the embedded
 * registry, asserting the same status, content type, digest and body from both. Where the embedded
 * registry deliberately differs, the test pins both sides:
 * - schema1: where 2.8.2 converts schema2 to a signed schema1 on the fly, the embedded registry
 *   answers 404 MANIFEST_UNKNOWN (it never converts);
 * - MANIFEST_INVALID: same status and code, but the embedded message says what was wrong;
 * - pagination: 2.8.2 ignores `n`/`last`, the embedded one pages like distribution v3 (tested on
 *   its own at the end).
 */

const S2 = MediaType.dockerManifest;
const LIST = MediaType.dockerList;
const OM = MediaType.ociManifest;
const OI = MediaType.ociIndex;
const SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
const ALL_FOUR = [OI, LIST, OM, S2].join(',');
const CREDENTIALS = { user: 'ci', password: 'conformance-pw' };
const WRONG = { user: 'ci', password: 'not-the-password' };

interface Pair {
  real: RealRegistry;
  embedded: RealRegistry;
}

/** What must agree between the two registries. */
interface Shape {
  status: number;
  contentType: string | undefined;
  digest: string | undefined;
  etag: string | undefined;
  contentLength: string | undefined;
  apiVersion: string | undefined;
  body: unknown;
}

function shape(res: SimpleResponse): Shape {
  const contentType = res.headers['content-type'];
  const text = res.text();
  return {
    status: res.status,
    contentType,
    digest: res.headers['docker-content-digest'] as string | undefined,
    etag: res.headers.etag,
    contentLength: res.headers['content-length'],
    apiVersion: res.headers['docker-distribution-api-version'] as string | undefined,
    body: contentType?.startsWith('application/json') && text ? JSON.parse(text) : text,
  };
}

type Init = Parameters<typeof request>[1];

async function both(
  pair: Pair,
  path: string,
  init: Init = {},
): Promise<{ real: SimpleResponse; embedded: SimpleResponse }> {
  const [real, embedded] = await Promise.all([
    request(`${pair.real.url}${path}`, init),
    request(`${pair.embedded.url}${path}`, init),
  ]);
  return { real, embedded };
}

const errorCodes = (res: SimpleResponse) =>
  res.json<{ errors: Array<{ code: string }> }>().errors.map((e) => e.code);

/** The same step against each registry of the plain pair: [real, embedded]. */
const eachRegistry = async <T>(fn: (reg: RealRegistry) => Promise<T>) =>
  Promise.all([fn(plain.real), fn(plain.embedded)]);

const startUpload = (reg: RealRegistry, repo: string) =>
  request(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });

/** The Location of an upload response, resolved, with `digest` set when given. */
function uploadUrl(reg: RealRegistry, res: SimpleResponse, digest?: string): URL {
  const url = new URL(String(res.headers.location), reg.url);
  if (digest !== undefined) url.searchParams.set('digest', digest);
  return url;
}

const putManifest = (reg: RealRegistry, repo: string, ref: string, body: Buffer, type: string) =>
  request(`${reg.url}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'Content-Type': type },
    body,
  });

const asUser = (who?: { user: string; password: string }) =>
  who ? basicAuthHeaders({ url: '', basic: who }) : {};

function sortedTags(res: SimpleResponse) {
  const body = res.json<{ name: string; tags: string[] }>();
  return { ...body, tags: [...body.tags].sort() };
}

type Expected = { status: 200; type: string; digest: string } | { status: 404 } | { schema1: true };
const served = (m: BuiltManifest): Expected => ({ status: 200, type: m.mediaType, digest: m.digest });

// Deterministic fixtures: the same bytes go to both registries, so digests must agree too.
const schema2 = buildImage({ kind: 'schema2', marker: 'conf:s2', created: '2026-11-20T10:00:00Z' });
const oci = buildImage({ kind: 'oci', marker: 'conf:oci', annotation: '2026-11-21T10:00:00Z' });
const ociIndex = buildIndex({
  kind: 'oci-index',
  attestation: true,
  annotation: '2026-11-22T10:00:00Z',
  children: [
    {
      image: buildImage({ kind: 'oci', marker: 'conf:idx-arm', architecture: 'arm64' }),
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    },
    {
      image: buildImage({ kind: 'oci', marker: 'conf:idx-amd', created: '2026-11-22T10:00:00Z' }),
      platform: { architecture: 'amd64', os: 'linux' },
    },
  ],
});
// As in the sheet's B2c: amd64 -> a schema2 child, arm64/v8 -> an OCI child.
const listAmd = buildImage({ kind: 'schema2', marker: 'conf:list-amd', created: '2026-11-23T10:00:00Z' });
const dockerList = buildIndex({
  kind: 'docker-list',
  children: [
    { image: listAmd, platform: { architecture: 'amd64', os: 'linux' } },
    {
      image: buildImage({ kind: 'oci', marker: 'conf:list-arm', architecture: 'arm64' }),
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    },
  ],
});
const armOnlyList = buildIndex({
  kind: 'docker-list',
  children: [
    {
      image: buildImage({ kind: 'schema2', marker: 'conf:arm-only', architecture: 'arm64' }),
      platform: { architecture: 'arm64', os: 'linux' },
    },
  ],
});
const STORED: Record<string, BuiltManifest> = { s2: schema2, oci, index: ociIndex, list: dockerList };
const configDigest = [...schema2.blobs.keys()][0]!;

let plain: Pair;
let auth: Pair;

beforeAll(async () => {
  const [real, embedded, realAuth, embeddedAuth] = await Promise.all([
    startDockerRegistry(),
    startEmbeddedRegistry(),
    startDockerRegistry({ basic: CREDENTIALS }),
    startEmbeddedRegistry({ basic: CREDENTIALS }),
  ]);
  plain = { real, embedded };
  auth = { real: realAuth, embedded: embeddedAuth };
  for (const reg of [real, embedded]) {
    for (const [tag, built] of Object.entries(STORED)) await pushManifest(reg, 'conf/app', tag, built);
    await pushManifest(reg, 'conf/app', 'arm-only', armOnlyList);
    await pushImage(reg, 'conf/other', '1.0.0', { kind: 'oci', created: '2026-11-24T10:00:00Z' });
  }
  for (const reg of [realAuth, embeddedAuth]) {
    await pushImage(reg, 'team/svc', '1.0.0-develop', { kind: 'schema2', created: '2026-11-20T10:00:00Z' });
  }
});

afterAll(async () => {
  await Promise.all([plain?.real.stop(), plain?.embedded.stop(), auth?.real.stop(), auth?.embedded.stop()]);
});

describe('manifests: the Accept matrix of distribution 2.8.2 (reference sheet B2c)', () => {
  const accepts: Array<[string, string | undefined]> = [
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/json', 'application/json'],
    ['schema1', SCHEMA1],
    ['schema2', S2],
    ['OCI manifest', OM],
    ['Docker list', LIST],
    ['OCI index', OI],
    ['schema2 + list', `${S2},${LIST}`],
    ['OCI manifest + index', `${OM},${OI}`],
    ['all four', ALL_FOUR],
    ['all four, with parameters and spaces', `${OI};q=0.9, ${LIST} , ${OM};q=0.5,${S2}`],
  ];
  const cases = Object.keys(STORED).flatMap((stored) =>
    ['tag', 'digest'].flatMap((by) => accepts.map(([label, accept]) => ({ stored, by, label, accept }))),
  );

  /** The matrix as 2.8.2 answers it; `schema1` marks the on-the-fly conversions. */
  function expected(stored: string, byTag: boolean, accept: Set<string>): Expected {
    const built = STORED[stored]!;
    if (stored === 'oci') return accept.has(OM) ? served(built) : { status: 404 };
    if (stored === 'index') return accept.has(OI) ? served(built) : { status: 404 };
    if (!byTag) return served(built);
    if (stored === 's2') return accept.has(S2) ? served(built) : { schema1: true };
    if (accept.has(LIST)) return served(built);
    return accept.has(S2) ? served(listAmd) : { schema1: true };
  }

  it.each(cases)('$stored by $by with $label', async ({ stored, by, accept }) => {
    const built = STORED[stored]!;
    const path = `/v2/conf/app/manifests/${by === 'tag' ? stored : built.digest}`;
    const headers: Record<string, string> = accept === undefined ? {} : { Accept: accept };
    const acceptSet = new Set((accept ?? '').split(',').map((a) => a.split(';')[0]!.trim()));
    const want = expected(stored, by === 'tag', acceptSet);

    for (const method of ['GET', 'HEAD']) {
      const { real, embedded } = await both(plain, path, { method, headers });
      if ('schema1' in want) {
        // 2.8.2 converts to a signed schema1 (another digest); the embedded registry refuses instead.
        expect({ method, status: real.status, type: real.headers['content-type'] }).toEqual({
          method,
          status: 200,
          type: SCHEMA1,
        });
        expect({ method, status: embedded.status, type: embedded.headers['content-type'] }).toEqual({
          method,
          status: 404,
          type: 'application/json; charset=utf-8',
        });
        if (method === 'GET') {
          expect(embedded.json()).toEqual({
            errors: [{ code: 'MANIFEST_UNKNOWN', message: NO_SCHEMA1_MESSAGE }],
          });
        }
        continue;
      }
      expect({ method, ...shape(embedded) }).toEqual({ method, ...shape(real) });
      expect({ method, status: real.status }).toEqual({ method, status: want.status });
      if ('type' in want) {
        expect(real.headers['content-type']).toBe(want.type);
        expect(real.headers['docker-content-digest']).toBe(want.digest);
        expect(real.headers.etag).toBe(`"${want.digest}"`);
      } else if (method === 'GET') {
        expect(errorCodes(real)).toEqual(['MANIFEST_UNKNOWN']);
      }
    }
  });
});

describe('reads and errors: same status, headers and body', () => {
  const pull = [
    ['the base endpoint', 'GET', '/v2/', 200],
    ['the base endpoint (HEAD)', 'HEAD', '/v2/', 200],
    ['an unknown repository', 'GET', '/v2/nope/x/tags/list', 404],
    ['a name with an upper-case domain part', 'GET', '/v2/Registry.Example/x/tags/list', 404],
    ['an upper-case name (router 404, text/plain)', 'GET', '/v2/Conf/App/tags/list', 404],
    ['a path outside the API', 'GET', '/v1/search', 404],
    ['an unknown tag', 'GET', '/v2/conf/app/manifests/9.9.9', 404],
    ['an unknown tag (HEAD: length but no body)', 'HEAD', '/v2/conf/app/manifests/9.9.9', 404],
    ['an unknown digest', 'GET', `/v2/conf/app/manifests/sha256:${'0'.repeat(64)}`, 404],
    ['a manifest of an unknown repository', 'GET', '/v2/nope/x/manifests/latest', 404],
    ['a manifest of another repository', 'GET', `/v2/conf/other/manifests/${schema2.digest}`, 404],
    ['a list without linux/amd64, schema2 accepted', 'GET', '/v2/conf/app/manifests/arm-only', 404],
    ['the config blob', 'GET', `/v2/conf/app/blobs/${configDigest}`, 200],
    ['the config blob (HEAD)', 'HEAD', `/v2/conf/app/blobs/${configDigest}`, 200],
    ['a blob of another repository', 'GET', `/v2/conf/other/blobs/${configDigest}`, 404],
    ['an unknown blob', 'GET', `/v2/conf/app/blobs/sha256:${'0'.repeat(64)}`, 404],
    ['a malformed blob digest', 'GET', '/v2/conf/app/blobs/sha256:zz', 400],
    ['a blob path without digest', 'GET', '/v2/conf/app/blobs/abc', 404],
    ['a trailing slash', 'GET', '/v2/conf/app/tags/list/', 301],
    ['a double slash', 'GET', '/v2/conf//app/tags/list', 301],
    ['/v2 without slash', 'GET', '/v2', 301],
    ['POST on tags/list', 'POST', '/v2/conf/app/tags/list', 405],
    ['HEAD on tags/list', 'HEAD', '/v2/conf/app/tags/list', 405],
    ['PATCH on a manifest', 'PATCH', '/v2/conf/app/manifests/s2', 405],
    ['POST on a blob', 'POST', `/v2/conf/app/blobs/${configDigest}`, 405],
    ['GET on the upload endpoint', 'GET', '/v2/conf/app/blobs/uploads/', 404],
    ['an upload without state', 'PUT', `/v2/conf/app/blobs/uploads/abc?digest=${configDigest}`, 404],
    ['a delete by tag (2.8 deletes by digest only)', 'DELETE', '/v2/conf/app/manifests/s2', 400],
    ['a delete of an unknown digest', 'DELETE', `/v2/conf/app/manifests/sha256:${'0'.repeat(64)}`, 404],
    ['a delete of an unknown blob', 'DELETE', `/v2/conf/app/blobs/sha256:${'0'.repeat(64)}`, 404],
    ['the catalog', 'GET', '/v2/_catalog', 200],
  ] as const;

  it.each(pull)('%s', async (_label, method, path, status) => {
    const { real, embedded } = await both(plain, path, {
      method,
      headers: { Accept: path.includes('arm-only') ? S2 : ALL_FOUR },
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.status).toBe(status);
    expect(embedded.headers.location).toBe(real.headers.location);
    expect(embedded.headers.allow).toBe(real.headers.allow);
  });

  it('lists the same tags, in an order a client must not rely on', async () => {
    const { real, embedded } = await both(plain, '/v2/conf/app/tags/list');
    expect(sortedTags(embedded)).toEqual(sortedTags(real));
    expect(sortedTags(real)).toEqual({ name: 'conf/app', tags: ['arm-only', 'index', 'list', 'oci', 's2'] });
    expect(shape(embedded).contentType).toBe(shape(real).contentType);
    expect(embedded.headers.link).toBeUndefined();
  });

  it('answers If-None-Match with the digest by 304', async () => {
    const { real, embedded } = await both(plain, '/v2/conf/app/manifests/s2', {
      headers: { Accept: ALL_FOUR, 'If-None-Match': `"${schema2.digest}"` },
    });
    expect(real.status).toBe(304);
    expect(shape(embedded)).toEqual(shape(real));
  });
});

describe('pushes: same answers to the client steps and to mistakes', () => {
  it('starts an upload with 202, an absolute Location carrying a query, and Range 0-0', async () => {
    const [real, embedded] = await eachRegistry((reg) => startUpload(reg, 'push/start'));
    for (const [res, reg] of [
      [real, plain.real],
      [embedded, plain.embedded],
    ] as const) {
      expect(res.status).toBe(202);
      expect(String(res.headers.location)).toMatch(
        new RegExp(`^${reg.url}/v2/push/start/blobs/uploads/[0-9a-f-]{36}\\?_state=`),
      );
      expect(res.headers.range).toBe('0-0');
      expect(String(res.headers.location)).toContain(String(res.headers['docker-upload-uuid']));
    }
  });

  it.each([
    ['the right digest', 'right', 201],
    ['a wrong digest', 'wrong', 400],
    ['no digest', 'none', 400],
    ['a digest that does not parse', 'garbled', 400],
  ] as const)('finishes an upload with %s', async (_label, which, status) => {
    const data = Buffer.from(`blob for ${which}`);
    const digest = {
      right: sha256(data),
      wrong: sha256(Buffer.from('other')),
      none: undefined,
      garbled: 'md5:abc',
    }[which];
    const [real, embedded] = await eachRegistry(async (reg) => {
      const start = await startUpload(reg, 'push/blobs');
      return request(uploadUrl(reg, start, digest), { method: 'PUT', body: data });
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.status).toBe(status);
    if (status === 201) {
      expect(new URL(String(embedded.headers.location)).pathname).toBe(`/v2/push/blobs/blobs/${digest}`);
      expect(new URL(String(real.headers.location)).pathname).toBe(`/v2/push/blobs/blobs/${digest}`);
    }
  });

  it('accepts a chunked upload (PATCH, status, PATCH, PUT) with the same ranges', async () => {
    const [real, embedded] = await eachRegistry(async (reg) => {
      const statuses: Array<[number, unknown]> = [];
      let res = await startUpload(reg, 'push/chunked');
      res = await request(uploadUrl(reg, res), { method: 'PATCH', body: 'hello ' });
      statuses.push([res.status, res.headers.range]);
      res = await request(uploadUrl(reg, res));
      statuses.push([res.status, res.headers.range]);
      res = await request(uploadUrl(reg, res), { method: 'PATCH', body: 'world' });
      statuses.push([res.status, res.headers.range]);
      res = await request(uploadUrl(reg, res, sha256(Buffer.from('hello world'))), { method: 'PUT' });
      statuses.push([res.status, res.headers['docker-content-digest']]);
      return statuses;
    });
    expect(embedded).toEqual(real);
    expect(real).toEqual([
      [202, '0-5'],
      [204, '0-5'],
      [202, '0-10'],
      [201, sha256(Buffer.from('hello world'))],
    ]);
  });

  it('refuses a manifest whose blobs were not pushed, naming each missing one', async () => {
    const image = buildImage({ kind: 'schema2', marker: 'push:missing' });
    const [real, embedded] = await eachRegistry((reg) =>
      putManifest(reg, 'push/missing', 'x', image.body, image.mediaType),
    );
    expect(shape(embedded)).toEqual(shape(real));
    expect(errorCodes(real)).toEqual(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
  });

  it('refuses an index whose children were not pushed', async () => {
    const [real, embedded] = await eachRegistry((reg) =>
      putManifest(reg, 'push/orphan', 'x', ociIndex.body, ociIndex.mediaType),
    );
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.status).toBe(400);
  });

  it('refuses a manifest PUT to a digest it does not have', async () => {
    const [real, embedded] = await eachRegistry(async (reg) => {
      await pushManifest(reg, 'push/digest', 'ok', schema2);
      return putManifest(reg, 'push/digest', `sha256:${'3'.repeat(64)}`, schema2.body, schema2.mediaType);
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(errorCodes(real)).toEqual(['DIGEST_INVALID']);
  });

  // The embedded registry explains what was wrong in the message; status and code are 2.8.2's.
  it.each([
    ['application/json', S2, schema2.body],
    ['schema1', SCHEMA1, schema2.body],
    ['a media type the body contradicts', OM, schema2.body],
    ['a body that is not JSON', S2, Buffer.from('{')],
  ])('refuses a manifest with %s as MANIFEST_INVALID', async (label, type, body) => {
    const contentType = label === 'application/json' ? 'application/json' : type;
    const [real, embedded] = await eachRegistry(async (reg) => {
      await pushManifest(reg, 'push/invalid', 'ok', schema2);
      return putManifest(reg, 'push/invalid', 'bad', body, contentType);
    });
    expect(embedded.status).toBe(real.status);
    expect(real.status).toBe(400);
    expect(errorCodes(embedded)).toEqual(errorCodes(real));
    expect(errorCodes(real)).toEqual(['MANIFEST_INVALID']);
  });

  it('answers a manifest PUT with 201, its digest and its canonical Location', async () => {
    const [real, embedded] = await eachRegistry(async (reg) => {
      for (const [digest, data] of oci.blobs) {
        const start = await startUpload(reg, 'push/ok');
        await request(uploadUrl(reg, start, digest), { method: 'PUT', body: data });
      }
      return putManifest(reg, 'push/ok', '1.0.0', oci.body, oci.mediaType);
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.status).toBe(201);
    expect(real.headers['docker-content-digest']).toBe(oci.digest);
    for (const res of [real, embedded]) {
      expect(new URL(String(res.headers.location)).pathname).toBe(`/v2/push/ok/manifests/${oci.digest}`);
    }
  });

  it('deletes by digest with 202, untags it, and then lists tags: null', async () => {
    const results = await eachRegistry(async (reg) => {
      await pushManifest(reg, 'push/gone', 'only', schema2);
      await pushManifest(reg, 'push/gone', 'alias', schema2);
      const del = await request(`${reg.url}/v2/push/gone/manifests/${schema2.digest}`, { method: 'DELETE' });
      const again = await request(`${reg.url}/v2/push/gone/manifests/${schema2.digest}`, {
        method: 'DELETE',
      });
      const tags = await request(`${reg.url}/v2/push/gone/tags/list`);
      const byTag = await request(`${reg.url}/v2/push/gone/manifests/only`, {
        headers: { Accept: ALL_FOUR },
      });
      const byDigest = await request(`${reg.url}/v2/push/gone/manifests/${schema2.digest}`, {
        headers: { Accept: ALL_FOUR },
      });
      return [del, again, tags, byTag, byDigest].map(shape);
    });
    expect(results[1]).toEqual(results[0]);
    const [del, again, tags, byTag, byDigest] = results[0];
    expect(del!.status).toBe(202);
    expect(again!.status).toBe(404);
    expect(tags!.body).toEqual({ name: 'push/gone', tags: null });
    expect(byTag!.body).toEqual({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'only' } }],
    });
    expect(byDigest!.status).toBe(404);
  });

  it('answers a list whose amd64 child was deleted with MANIFEST_UNKNOWN naming the child', async () => {
    const [real, embedded] = await eachRegistry(async (reg) => {
      await pushManifest(reg, 'push/dangling', 'list', dockerList);
      await request(`${reg.url}/v2/push/dangling/manifests/${listAmd.digest}`, { method: 'DELETE' });
      return request(`${reg.url}/v2/push/dangling/manifests/list`, { headers: { Accept: S2 } });
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.json()).toEqual({
      errors: [
        {
          code: 'MANIFEST_UNKNOWN',
          message: 'manifest unknown',
          detail: { Name: 'push/dangling', Revision: listAmd.digest },
        },
      ],
    });
  });

  it('keeps a repository that only has blobs out of tags/list', async () => {
    const [real, embedded] = await eachRegistry(async (reg) => {
      const data = Buffer.from('lonely blob');
      const start = await startUpload(reg, 'push/blobs-only');
      await request(uploadUrl(reg, start, sha256(data)), { method: 'PUT', body: data });
      return request(`${reg.url}/v2/push/blobs-only/tags/list`);
    });
    expect(shape(embedded)).toEqual(shape(real));
    expect(errorCodes(real)).toEqual(['NAME_UNKNOWN']);
  });
});

describe('basic auth: same challenge, same refusals', () => {
  it.each([
    ['no credentials', 'GET', '/v2/', undefined, 401],
    ['a wrong password', 'GET', '/v2/', WRONG, 401],
    ['the right credentials', 'GET', '/v2/', CREDENTIALS, 200],
    ['tags without credentials', 'GET', '/v2/team/svc/tags/list', undefined, 401],
    ['tags with a wrong password', 'GET', '/v2/team/svc/tags/list', WRONG, 401],
    ['a manifest HEAD without credentials', 'HEAD', '/v2/team/svc/manifests/1.0.0-develop', undefined, 401],
    ['a manifest PUT without credentials', 'PUT', '/v2/team/svc/manifests/x', undefined, 401],
    ['an upload without credentials', 'POST', '/v2/team/svc/blobs/uploads/', undefined, 401],
    [
      'a delete without credentials',
      'DELETE',
      `/v2/team/svc/manifests/sha256:${'0'.repeat(64)}`,
      undefined,
      401,
    ],
    ['a blob without credentials', 'GET', `/v2/team/svc/blobs/${configDigest}`, undefined, 401],
    ['a bad path without credentials (router first)', 'GET', '/v2/Team/Svc/tags/list', undefined, 404],
    ['the catalog without credentials', 'GET', '/v2/_catalog', undefined, 401],
    ['a wrong method without credentials (auth first)', 'POST', '/v2/team/svc/tags/list', undefined, 401],
    ['a wrong method with credentials', 'POST', '/v2/team/svc/tags/list', CREDENTIALS, 405],
  ] as const)('%s', async (_label, method, path, who, status) => {
    const { real, embedded } = await both(auth, path, { method, headers: asUser(who) });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.status).toBe(status);
    expect(embedded.headers['www-authenticate']).toBe(real.headers['www-authenticate']);
    if (status === 401) expect(real.headers['www-authenticate']).toBe('Basic realm="basic-realm"');
  });

  it('serves what was pushed with credentials', async () => {
    const { real, embedded } = await both(auth, '/v2/team/svc/tags/list', { headers: asUser(CREDENTIALS) });
    expect(shape(embedded)).toEqual(shape(real));
    expect(real.json()).toEqual({ name: 'team/svc', tags: ['1.0.0-develop'] });
  });
});

describe('a seeded image reads back exactly like the same image pushed to docker-registry', () => {
  it('serves the index, its children and blobs with the same bytes and digests', async () => {
    const embedded = await startEmbeddedRegistry();
    try {
      expect(embedded.seed('seeded/app', '1.0.0', ociIndex)).toBe(ociIndex.digest);
      const pair = { real: plain.real, embedded };
      const paths = [
        '/v2/seeded/app/tags/list',
        '/v2/seeded/app/manifests/1.0.0',
        ...ociIndex.children.map((c) => `/v2/seeded/app/manifests/${c.digest}`),
        ...ociIndex.children.flatMap((c) => [...c.blobs.keys()].map((d) => `/v2/seeded/app/blobs/${d}`)),
      ];
      await pushManifest(plain.real, 'seeded/app', '1.0.0', ociIndex);
      for (const path of paths) {
        const { real, embedded: emb } = await both(pair, path, { headers: { Accept: ALL_FOUR } });
        expect({ path, ...shape(emb) }).toEqual({ path, ...shape(real) });
        expect({ path, status: real.status }).toEqual({ path, status: 200 });
      }
    } finally {
      await embedded.stop();
    }
  });
});
