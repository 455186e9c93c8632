import { BadAnswerError, UsageError } from '../errors';
import { quote } from '../util/quote';

/**
 * Which tags belong to an environment, and the pure parts of reading a tag list (cleaning a page,
 * finding the next page). No I/O here.
 */

/** Tag grammar of the distribution spec; anything else in a tag list is not a tag we can deploy. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Environment names are tag fragments. */
const ENV = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,126}$/;

export function assertEnvironment(env: string): string {
  if (!ENV.test(env)) {
    throw new UsageError(`--env ${quote(env)} is not a tag suffix`, {
      hint: 'use letters, digits, ".", "_" or "-", e.g. --env develop',
    });
  }
  return env;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface TagFilter {
  (tag: string): boolean;
  /** What the filter matches, in words, for messages. */
  readonly description: string;
}

/**
 * By default a tag belongs to environment E when it ends with E preceded by `-`, `_` or `.`:
 * `1.4.2-develop` is develop, `1.4.2-redevelop` and `develop` alone are not. A custom pattern is a
 * regular expression that must match the WHOLE tag, with `{env}` standing for the environment
 * (taken literally), e.g. `^release-{env}-\d+$`.
 */
export function tagFilter(env: string, pattern?: string): TagFilter {
  let re: RegExp;
  let description: string;
  if (pattern === undefined) {
    re = new RegExp(`^.+[-_.]${escapeRegExp(env)}$`);
    description = `tags ending in -${env}, _${env} or .${env}`;
  } else {
    const source = pattern.split('{env}').join(escapeRegExp(env));
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch (err) {
      throw new UsageError(
        `--tag-pattern "${pattern}" is not a valid regular expression: ${(err as Error).message}`,
        {
          hint: 'e.g. --tag-pattern "^release-{env}-[0-9.]+$"',
        },
      );
    }
    description = `tags matching ${pattern.split('{env}').join(env)}`;
  }
  const filter = (tag: string) => re.test(tag);
  return Object.assign(filter, { description });
}

/** A digest (`sha256:…`) where a tag belongs: some Artifactory versions list them. */
const DIGEST_LIKE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * The most one tags/list answer may weigh. distribution 2.8 ignores `n` and sends every tag at
 * once; 32 MiB is about a million tags, far beyond a real repository, and it keeps a registry (or
 * a proxy answering for it) from filling our memory.
 */
export const MAX_TAG_PAGE_BYTES = 32 * 1024 * 1024;

/**
 * The usable tags of one tags/list page: `null` means none (distribution 2.8 after deleting every
 * tag); null entries (Nexus), digests (Artifactory) and strings that are not tags are dropped.
 */
export function cleanTagPage(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return tags.filter((t): t is string => typeof t === 'string' && !DIGEST_LIKE.test(t) && TAG.test(t));
}

/**
 * One tags/list answer, checked: `{"name": ..., "tags": [...] | null}`. What no registry sends (not
 * JSON, another shape, tags that are numbers or objects) is refused as a whole rather than read
 * around: a catalog built from half an answer would offer dates that are not true.
 */
export function parseTagPage(body: Buffer, registry: string, repository: string): string[] {
  const what = `${registry} answered the tag list of ${repository}`;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadAnswerError(`${what} with something that is not JSON`, {
      hint: 'check --registry: it must be the registry itself, not a web page or a proxy login in front of it',
    });
  }
  const tags = (json as { tags?: unknown } | null)?.tags;
  if (
    typeof json !== 'object' ||
    json === null ||
    Array.isArray(json) ||
    (tags != null && !Array.isArray(tags))
  ) {
    throw new BadAnswerError(`${what} with something that is not one`, {
      hint: 'expected {"name": ..., "tags": [...]}; check --registry',
    });
  }
  const odd = (tags ?? []).find((t: unknown) => t !== null && typeof t !== 'string');
  if (odd !== undefined) {
    throw new BadAnswerError(`${what} with a tag that is not a string: ${quote(JSON.stringify(odd), 40)}`, {
      hint: 'the registry (or a proxy in front of it) is broken; report it to its owner',
    });
  }
  return cleanTagPage(tags);
}

/**
 * The `rel="next"` target of a Link header (RFC 8288), resolved against the URL of the request
 * that returned it: registries send relative links (distribution, Quay) as well as absolute ones.
 */
export function nextPageUrl(link: string | string[] | undefined, requestUrl: string): URL | undefined {
  if (link === undefined) return undefined;
  const text = Array.isArray(link) ? link.join(', ') : link;
  const entry = /<([^>]*)>((?:\s*;\s*[^;,]*)*)/g;
  for (let m = entry.exec(text); m; m = entry.exec(text)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return new URL(m[1]!, requestUrl);
  }
  return undefined;
}
